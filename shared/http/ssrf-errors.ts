/**
 * The codes of the webhook URL guard (ssrf-guard.ts). A refused or unresolvable URL is a ValidationError with one
 * of these codes (the API answers 400); a DNS failure that may clear up is a retriable AppError.
 */
export const ssrfErrorCodes = {
  /** the URL's host is (or resolves to) a loopback, private, link-local or otherwise non-public address */
  webhookUrlRefused: 'WEBHOOK_URL_REFUSED',
  /** the URL's host does not resolve at all (ENOTFOUND, ENODATA) */
  webhookUrlUnresolved: 'WEBHOOK_URL_UNRESOLVED',
  /** resolving the host failed for a reason that may pass (EAI_AGAIN, a timeout): retriable */
  webhookDnsFailed: 'WEBHOOK_DNS_FAILED',
} as const;

export type SsrfErrorCode = (typeof ssrfErrorCodes)[keyof typeof ssrfErrorCodes];
