/** Lift's built-in HTTP middleware. core/pipeline.ts installs them in the order DESIGN §2 gives (see README.md). */
export { type AccessLogOptions, accessLog } from './access-log/index.ts';
export { type BodyLimitOptions, bodyLimit } from './body-limit/index.ts';
export { type ClientIpOptions, clientIp } from './client-ip/index.ts';
export { type CorsOptions, cors, isCorsPreflight } from './cors/index.ts';
export { type RequestIdOptions, requestId } from './request-id/index.ts';
export { type SecurityHeadersOptions, securityHeaders } from './security-headers/index.ts';
export { type TimeoutOptions, timeout } from './timeout/index.ts';
