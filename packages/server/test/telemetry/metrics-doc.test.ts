import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS_DOC_FILE, renderMetricsDoc, scrapeShippedApps } from '../../src/app/generate-metrics-doc.ts';

/**
 * docs/metrics.md is what running servers export: a default app and a resource server are scraped, and the doc
 * made from those scrapes must be the committed one. Every declared metric must be in a scrape (a declaration
 * nobody exports would be a lie in the doc), and no scrape may carry a metric without a declaration or a row.
 */
describe('docs/metrics.md', () => {
  it('lists exactly the metrics running servers export, with their types and labels', async () => {
    const { declared, exported } = await scrapeShippedApps();
    const exportedNames = new Set(exported.map((family) => family.name));
    expect(declared.filter((metric) => !exportedNames.has(metric.name)).map((m) => m.name)).toEqual([]);
    for (const metric of declared) {
      const family = exported.find((candidate) => candidate.name === metric.name)!;
      expect(family.type, metric.name).toBe(metric.type);
    }
    const doc = readFileSync(METRICS_DOC_FILE, 'utf8');
    for (const family of exported) expect(doc, family.name).toContain(`| \`${family.name}\``);
    // The whole file, as the generator writes it before biome pads the tables.
    const squeeze = (text: string) =>
      text
        .replace(/ *\| */g, '|')
        .replace(/\|-+/g, '|-')
        .trim();
    expect(squeeze(doc), 'run: npx tsx packages/server/src/app/generate-metrics-doc.ts').toBe(
      squeeze(renderMetricsDoc(declared)),
    );
  });
});
