import type { CloudFrontRequestEvent } from 'aws-lambda';
import { ORIGIN_ROLE_HEADER, type OriginRole } from '../../edge/origin/origin-request.ts';

/** The origin-request event CloudFront sends the function for `uri?querystring` on the origin of `role`. */
export function originRequestEvent(uri: string, querystring: string, role: OriginRole, domain = 'variants.s3.amazonaws.com'): CloudFrontRequestEvent {
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: 'd.cloudfront.net', distributionId: 'D', eventType: 'origin-request', requestId: 'r' },
          request: {
            clientIp: '203.0.113.1',
            method: 'GET',
            uri,
            querystring,
            headers: { host: [{ key: 'Host', value: domain }] },
            origin: { s3: { authMethod: 'none', customHeaders: { [ORIGIN_ROLE_HEADER]: [{ key: ORIGIN_ROLE_HEADER, value: role }] }, domainName: domain, path: '' } },
          },
        },
      },
    ],
  };
}
