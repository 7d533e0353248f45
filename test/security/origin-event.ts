/** Lambda@Edge origin-request events as CloudFront sends them for one origin of the [variants → render] group (docs/aws-limits.md §B). */
import type { CloudFrontRequest, CloudFrontRequestEvent } from 'aws-lambda';
import { ORIGIN_ROLE_HEADER, type OriginRole } from '../../edge/origin/origin-request.ts';

export const VARIANTS_DOMAIN = 'imgedge-variants.s3.us-east-1.amazonaws.com';

export function originEvent(uri: string, querystring: string, role: OriginRole, headers: Record<string, string> = {}, clientIp = '198.51.100.1'): CloudFrontRequestEvent {
  const eventHeaders: CloudFrontRequest['headers'] = {};
  for (const [name, value] of Object.entries(headers)) eventHeaders[name] = [{ key: name, value }];
  eventHeaders.host = [{ key: 'Host', value: VARIANTS_DOMAIN }];
  return {
    Records: [
      {
        cf: {
          config: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'origin-request', requestId: 'test' },
          request: {
            clientIp,
            method: 'GET',
            uri,
            querystring,
            headers: eventHeaders,
            origin: {
              s3: {
                authMethod: 'origin-access-identity',
                customHeaders: { [ORIGIN_ROLE_HEADER]: [{ key: ORIGIN_ROLE_HEADER, value: role }] },
                domainName: VARIANTS_DOMAIN,
                path: '',
                region: 'us-east-1',
              },
            },
          },
        },
      },
    ],
  };
}
