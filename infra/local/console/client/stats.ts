/** Live counters from /_local/stats, and a chart of the last two minutes drawn as inline SVG. */
import type { LocalStats } from '../../stack.ts';
import { byId, fill, h } from './dom.ts';

/** Two minutes of one-second samples. */
const HISTORY = 120;
const SVG_NS = 'http://www.w3.org/2000/svg';
const SERIES = [
  { name: 'requests/s', colour: '#2856c9', value: (s: LocalStats) => s.requests },
  { name: 'misses/s', colour: '#c77700', value: (s: LocalStats) => s.misses },
  { name: 'renders/s (edge + pipeline)', colour: '#b3261e', value: (s: LocalStats) => s.renders + s.pipeline.renders },
] as const;

interface Sample {
  readonly at: number;
  readonly stats: LocalStats;
}

export function createStatsView() {
  const samples: Sample[] = [];
  fill(byId('legend'), ...SERIES.map((s) => h('span', {}, h('i', { style: `background:${s.colour}` }), s.name)));

  function tile(label: string, value: string, note?: string, meter?: { value: number; max: number }) {
    return h(
      'div',
      { class: 'tile', 'data-tile': label },
      h('small', {}, label),
      h('b', {}, value),
      meter && h('meter', { min: '0', max: String(meter.max), value: String(meter.value) }),
      note && h('small', {}, note),
    );
  }

  function showTiles(stats: LocalStats, faults: Readonly<Record<string, string>>) {
    const { invalidations } = stats.pipeline;
    const down = Object.entries(faults).filter(([, fault]) => fault !== 'none');
    const blocked = Object.entries(stats.waf.blocked).filter(([, n]) => n > 0);
    fill(
      byId('tiles'),
      tile('faults', down.length === 0 ? 'none' : down.map(([target, fault]) => `${target} ${fault}`).join(', '), 'injected with POST /_local/faults'),
      tile('hit ratio', `${(stats.hitRatio * 100).toFixed(1)} %`, `${stats.hits} hits · ${stats.misses} misses`),
      tile('renders', String(stats.renders + stats.pipeline.renders), `${stats.renders} on a miss · ${stats.pipeline.renders} pre-rendered`),
      ...Object.entries(stats.originFetches).map(([region, count]) => tile(`origin fetches ${region}`, String(count))),
      tile('invalidation paths submitted', String(stats.invalidationPathsSubmitted), `${invalidations.submitted} invalidations · ${invalidations.resends} resends`),
      tile('paths in flight', `${invalidations.inFlight.paths} / ${invalidations.quotas.paths}`, 'CloudFront quota', { value: invalidations.inFlight.paths, max: invalidations.quotas.paths }),
      tile('wildcards in flight', `${invalidations.inFlight.wildcards} / ${invalidations.quotas.wildcards}`, 'CloudFront quota', { value: invalidations.inFlight.wildcards, max: invalidations.quotas.wildcards }),
      tile('WAF blocked', String(blocked.reduce((sum, [, n]) => sum + n, 0)), blocked.map(([rule, n]) => `${rule} ${n}`).join(' · ') || `of ${stats.waf.requests} requests`),
    );
  }

  function drawChart() {
    const svg = byId('chart') as unknown as SVGSVGElement;
    const width = 600;
    const height = 120;
    const rates = SERIES.map((series) =>
      samples.slice(1).map((sample, i) => {
        const previous = samples[i]!;
        const seconds = Math.max(0.001, (sample.at - previous.at) / 1000);
        return Math.max(0, (series.value(sample.stats) - series.value(previous.stats)) / seconds);
      }),
    );
    const top = Math.max(1, ...rates.flat());
    const x = (i: number) => (i / (HISTORY - 1)) * width;
    const y = (rate: number) => height - 4 - (rate / top) * (height - 16);
    const lines = rates.map((points, s) => {
      const line = document.createElementNS(SVG_NS, 'polyline');
      const offset = HISTORY - 1 - points.length;
      line.setAttribute('points', points.map((rate, i) => `${x(offset + i).toFixed(1)},${y(rate).toFixed(1)}`).join(' '));
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', SERIES[s]!.colour);
      line.setAttribute('stroke-width', '1.5');
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      return line;
    });
    // Outside the SVG: the chart stretches to the page's width, which would stretch text in it too.
    byId('chart-scale').textContent = `last two minutes, top of the chart ${top.toFixed(1)}/s`;
    svg.replaceChildren(...lines);
  }

  return {
    show(stats: LocalStats, faults: Readonly<Record<string, string>>) {
      samples.push({ at: performance.now(), stats });
      if (samples.length > HISTORY) samples.shift();
      showTiles(stats, faults);
      drawChart();
    },
  };
}
