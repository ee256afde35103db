/**
 * Lift's built-in HTTP middleware. Each is a Hono middleware factory for use on its own, and a pipeline stage
 * (`…Stage`) that core/pipeline.ts runs in the order DESIGN §2 gives (see README.md).
 */
export { type AccessLogOptions, accessLog, accessLogStage } from './access-log/index.ts';
export { type BodyLimitOptions, bodyLimit, bodyLimitStage } from './body-limit/index.ts';
export { type ClientIpOptions, clientIp, clientIpStage, trustedPeer } from './client-ip/index.ts';
export { type CorsOptions, cors, corsStage, isCorsPreflight } from './cors/index.ts';
export { CsrfError, type CsrfVerdict, type CsrfVerdictInput, csrfVerdict } from './csrf/index.ts';
export { HTTP_ERRORS } from './error-codes.ts';
export {
  LoadMonitor,
  type LoadMonitorOptions,
  type LoadSample,
  type LoadSheddingOptions,
  type LoadSignal,
  loadShedding,
  loadSheddingStage,
  OverloadedError,
} from './load-shedding/index.ts';
export { type RequestIdOptions, requestId, requestIdStage } from './request-id/index.ts';
export {
  type SecurityHeadersOptions,
  securityHeaders,
  securityHeadersStage,
} from './security-headers/index.ts';
export { DeadlineKeeper, type TimeoutOptions, timeout } from './timeout/index.ts';
