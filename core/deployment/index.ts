/** One deployment of imgedge: its config (checked) and the WAF rules made from it, for the CDK app and the local stack alike. */
export * from './config.ts';
export * from './waf-rules.ts';
export * from './access.ts';
export * from './bundle.ts';
export * from './response-headers.ts';
