/** The capacity arithmetic and the chart of docs/performance.md, pure. */
import { drainSeconds, formatDuration, lanesNeeded } from '../../bench/capacity';
import { chartSvg } from '../../bench/chart';

describe('capacity', () => {
  it.each([
    // rate, per session, lanes needed at 50% headroom
    { rate: 1667, session: 470, lanes: 8 },
    { rate: 1667, session: 1060, lanes: 4 },
    { rate: 111, session: 470, lanes: 1 },
    { rate: 0, session: 470, lanes: 1 },
  ])('sizes $rate readings/s at $session msg/s per session to $lanes lane(s)', ({ rate, session, lanes }) => {
    expect(lanesNeeded(rate, session)).toBe(lanes);
  });

  it.each([
    // an hour of 100/s drained at 400 spare: 360,000 / 300 = 1,200 s
    { rate: 100, session: 400, lanes: 1, seconds: 1200 },
    { rate: 100, session: 200, lanes: 2, seconds: 1200 },
    { rate: 1667, session: 470, lanes: 1, seconds: Infinity },
    { rate: 500, session: 500, lanes: 1, seconds: Infinity },
  ])('drains an hour of $rate/s with $lanes x $session/s in $seconds s', ({ rate, session, lanes, seconds }) => {
    expect(drainSeconds(rate, session, lanes)).toBe(seconds);
  });

  it.each([
    { seconds: 9, text: '9 s' },
    { seconds: 1200, text: '20 min' },
    { seconds: 9000, text: '2.5 h' },
    { seconds: Infinity, text: 'never' },
  ])('formats $seconds s as $text', ({ seconds, text }) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('chartSvg', () => {
  it('draws each measured point, a solid line and a dashed bound per series, and escapes labels', () => {
    const svg = chartSvg(
      [
        {
          title: 'L = 10 ms',
          xLabel: 'W',
          series: [
            {
              label: 'RTT <1>',
              color: '#000',
              points: [
                { x: 20, y: 100 },
                { x: 50, y: 250 },
              ],
              bound: [
                { x: 20, y: 120 },
                { x: 50, y: 300 },
              ],
            },
            {
              label: 'RTT 30',
              color: '#f00',
              points: [
                { x: 20, y: 50 },
                { x: 50, y: 125 },
              ],
              bound: [
                { x: 20, y: 60 },
                { x: 50, y: 150 },
              ],
            },
          ],
        },
      ],
      'caption & more',
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    expect(svg).toContain('RTT &lt;1&gt;');
    expect(svg).toContain('caption &amp; more');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
