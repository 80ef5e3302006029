/**
 * GIBS's published etiquette, written once: the configuration's limits and the GIBS client's checks both read
 * these, so a client can never be configured past what GIBS asks of it.
 */

/** A client opening hundreds of connections gets blocked; we refuse to come close. */
export const GIBS_MAX_CONCURRENCY = 32;
/** A handful of connections is what GIBS asks for. */
export const GIBS_DEFAULT_CONCURRENCY = 8;
/** At most 50 Mbps per client. */
export const GIBS_MAX_MBPS = 50;
