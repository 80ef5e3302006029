/** One OWS exception, as OnEarth's mod_wmts_wrapper reports it. */
export interface OwsException {
  status: number;
  /** e.g. InvalidParameterValue, TileOutOfRange, MissingParameterValue */
  code: string;
  /** the offending parameter: LAYER, STYLE, TIME, TILEMATRIXSET, TILEMATRIX, TILEROW, TILECOL, FORMAT */
  locator: string;
  text: string;
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The OWS 1.1 ExceptionReport body OnEarth sends with its 400s (same preamble and element layout as
 * mod_wmts_wrapper's wmts_return_all_errors), served as text/xml.
 */
export function exceptionReportXml(exceptions: readonly OwsException[]): string {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<ExceptionReport xmlns="http://www.opengis.net/ows/1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      ' xsi:schemaLocation="http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd" version="1.1.0" xml:lang="en">',
  ];
  for (const e of exceptions) {
    parts.push(`\n<Exception exceptionCode="${escapeXml(e.code)}" locator="${escapeXml(e.locator)}">`);
    parts.push(`\n<ExceptionText>${escapeXml(e.text)}</ExceptionText></Exception>`);
  }
  parts.push('\n</ExceptionReport>');
  return parts.join('');
}
