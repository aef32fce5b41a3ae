/**
 * Every alarm watches a metric the code really emits: each custom (namespace, metric) in the template is one of the
 * constants the bridge, the ingest function and the archiver export, each of those constants is used by the code that emits it,
 * and lib/ never spells a metric name out itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BRIDGE_METRICS_NAMESPACE,
  BRIDGE_SERVICE_NAME,
  BridgeMetric,
  CLIENT_ID_DIMENSION,
} from '../../bridge/src/metric-names';
import { INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME, IngestMetric } from '../../functions/ingest/metric-names';
import { ARCHIVE_METRICS_NAMESPACE, ARCHIVE_SERVICE_NAME, ArchiveMetric } from '../../functions/archive/metric-names';
import { examplePipeline, REPO_ROOT } from './support/pipeline';

interface AlarmMetric {
  readonly alarm: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, unknown>;
}

type Dimension = { Name: string; Value: unknown };
type MetricShape = { Namespace: string; MetricName: string; Dimensions?: Dimension[] };

/** Every metric every alarm of the template reads, directly or inside a math expression. */
function alarmMetrics(): AlarmMetric[] {
  const alarms = examplePipeline().template.findResources('AWS::CloudWatch::Alarm');
  const out: AlarmMetric[] = [];
  for (const [alarm, { Properties: p }] of Object.entries(alarms)) {
    const shapes: MetricShape[] = p.MetricName
      ? [p as MetricShape]
      : (p.Metrics as { MetricStat?: { Metric: MetricShape } }[]).flatMap((m) =>
          m.MetricStat ? [m.MetricStat.Metric] : [],
        );
    for (const s of shapes) {
      out.push({
        alarm,
        namespace: s.Namespace,
        metricName: s.MetricName,
        dimensions: Object.fromEntries((s.Dimensions ?? []).map((d) => [d.Name, d.Value])),
      });
    }
  }
  return out;
}

const isCustom = (namespace: string) => !namespace.startsWith('AWS/') && namespace !== 'ECS/ContainerInsights';

/** TypeScript files under a folder, recursively. */
function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The emitting code of a component: its sources except the file that defines the names. */
function emittingSource(dir: string): string {
  const files = sourceFiles(path.join(REPO_ROOT, dir)).filter((f) => path.basename(f) !== 'metric-names.ts');
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

describe('alarm metrics', () => {
  const metrics = alarmMetrics();
  const custom = metrics.filter((m) => isCustom(m.namespace));

  /** Each emitting component: its `service` dimension, namespace, metric names and the dimensions it sets. */
  const components = [
    {
      service: BRIDGE_SERVICE_NAME,
      namespace: BRIDGE_METRICS_NAMESPACE,
      names: new Set<string>(Object.values(BridgeMetric)),
      dimensions: [CLIENT_ID_DIMENSION, 'service'].sort(),
    },
    {
      service: INGEST_SERVICE_NAME,
      namespace: INGEST_METRICS_NAMESPACE,
      names: new Set<string>(Object.values(IngestMetric)),
      dimensions: ['service'],
    },
    {
      service: ARCHIVE_SERVICE_NAME,
      namespace: ARCHIVE_METRICS_NAMESPACE,
      names: new Set<string>(Object.values(ArchiveMetric)),
      dimensions: ['service'],
    },
  ];

  it('has alarms on custom metrics of the bridge, the ingest function and the archiver', () => {
    const services = new Set(custom.map((m) => m.dimensions.service));
    expect([...services].sort()).toEqual(components.map((c) => c.service).sort());
  });

  it('reads every custom metric from the exported constants: namespace, name and service dimension', () => {
    for (const m of custom) {
      const where = `${m.alarm}: ${m.namespace}/${m.metricName}`;
      const component = components.find((c) => c.service === m.dimensions.service);
      expect({ where, known: component !== undefined }).toEqual({ where, known: true });
      if (!component) continue;
      expect({ where, namespace: m.namespace }).toEqual({ where, namespace: component.namespace });
      expect({ where, known: component.names.has(m.metricName) }).toEqual({ where, known: true });
      expect({ where, dimensions: Object.keys(m.dimensions).sort() }).toEqual({
        where,
        dimensions: component.dimensions,
      });
    }
  });

  // These fail until the bridge, the ingest function and the archiver emit every metric they export.
  it.each(Object.keys(BridgeMetric))('finds BridgeMetric.%s used in the bridge code (bridge/src)', (key) => {
    expect(emittingSource('bridge/src')).toContain(`BridgeMetric.${key}`);
  });

  it.each(Object.keys(IngestMetric))('finds IngestMetric.%s used in the ingest code (functions/ingest)', (key) => {
    expect(emittingSource('functions/ingest')).toContain(`IngestMetric.${key}`);
  });

  it.each(Object.keys(ArchiveMetric))('finds ArchiveMetric.%s used in the archiver code (functions/archive)', (key) => {
    expect(emittingSource('functions/archive')).toContain(`ArchiveMetric.${key}`);
  });

  it('never spells a custom metric name out in lib/ (the constants are the only source)', () => {
    const lib = sourceFiles(path.join(REPO_ROOT, 'lib')).map((f) => [f, fs.readFileSync(f, 'utf8')] as const);
    for (const name of [
      ...Object.values(BridgeMetric),
      ...Object.values(IngestMetric),
      ...Object.values(ArchiveMetric),
    ]) {
      for (const [file, text] of lib) {
        expect({ file, name, literal: text.includes(`'${name}'`) || text.includes(`"${name}"`) }).toEqual({
          file,
          name,
          literal: false,
        });
      }
    }
  });
});
