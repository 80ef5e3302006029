import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { AppError } from '../../../shared/errors/index.js';
import { rewriteTimeDimensions } from '../../../services/replay/capabilities-rewrite.js';
import { exceptionReportXml } from '../../../services/replay/exception-report.js';
import { CAPABILITIES_FILE } from '../../../services/replay/index.js';
import { dataDir } from '../../support/raw-request.js';

describe('capabilities rewrite', () => {
  it('rewrites several <Value>s of one layer and nothing else', async () => {
    const xml = await readFile(path.join(dataDir, CAPABILITIES_FILE), 'utf8');
    const served = new Map([
      [
        'MODIS_Terra_CorrectedReflectance_TrueColor',
        {
          default: '2020-09-27',
          intervals: [
            { start: '2010-01-01', end: '2017-04-24', period: 'P1D' },
            { start: '2020-09-27', end: '2020-09-27', period: 'P1D' },
          ],
        },
      ],
    ]);
    const out = rewriteTimeDimensions(xml, served);
    const block =
      '<Default>2020-09-27</Default>\n             <Current>false</Current>\n' +
      '             <Value>2010-01-01/2017-04-24/P1D</Value>\n             <Value>2020-09-27/2020-09-27/P1D</Value>';
    assert.ok(out.includes(block), 'new values keep the document indentation');
    const back = out.replace(
      block,
      '<Default>2017-04-24</Default>\n             <Current>false</Current>\n             <Value>2010-01-01/2017-04-24/P1D</Value>',
    );
    assert.equal(back, xml);
  });

  it('refuses layers it cannot rewrite', async () => {
    const xml = await readFile(path.join(dataDir, CAPABILITIES_FILE), 'utf8');
    const time = { default: '2020-01-01', intervals: [{ start: '2020-01-01', end: '2020-01-01', period: 'P1D' }] };
    for (const layer of ['No_Such_Layer', 'BlueMarble_ShadedRelief_Bathymetry']) {
      assert.throws(
        () => rewriteTimeDimensions(xml, new Map([[layer, time]])),
        (e: unknown) => e instanceof AppError && e.code === 'BAD_CAPABILITIES',
      );
    }
  });
});

describe('exception report', () => {
  it('is OWS 1.1 XML listing every exception, with text escaped', () => {
    const xml = exceptionReportXml([
      { status: 400, code: 'InvalidParameterValue', locator: 'FORMAT', text: 'FORMAT is invalid for LAYER' },
      { status: 400, code: 'InvalidParameterValue', locator: 'TILEROW', text: 'row <x> & "y"' },
    ]);
    const report = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml).ExceptionReport;
    assert.equal(report.xmlns, 'http://www.opengis.net/ows/1.1');
    assert.equal(report.version, '1.1.0');
    assert.deepEqual(
      report.Exception.map((e: { locator: string }) => e.locator),
      ['FORMAT', 'TILEROW'],
    );
    assert.ok(xml.includes('row &lt;x&gt; &amp; &quot;y&quot;'));
    assert.equal(report.Exception[1].ExceptionText, 'row <x> & "y"');
  });
});
