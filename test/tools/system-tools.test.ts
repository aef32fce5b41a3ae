import { SYSTEM_TOOLS, missingTools, planSystemTools, type MachineFacts } from '../../tools/system-tools/requirements';

const ALL = new Set(SYSTEM_TOOLS.flatMap((tool) => tool.binaries));
const without = (...names: string[]): Set<string> => new Set([...ALL].filter((name) => !names.includes(name)));
const facts = (overrides: Partial<MachineFacts>): MachineFacts => ({
  found: ALL,
  isRoot: true,
  hasAptGet: true,
  installDisabled: false,
  ...overrides,
});

describe('system tools for npm test', () => {
  it('does nothing when every tool is there', () => {
    expect(planSystemTools(facts({}))).toEqual({ kind: 'ready' });
  });

  it.each([
    { missing: ['mosquitto'], packages: ['mosquitto'] },
    { missing: ['mosquitto_passwd'], packages: ['mosquitto'] },
    { missing: ['mosquitto', 'mosquitto_passwd', 'java'], packages: ['mosquitto', 'default-jre-headless'] },
    { missing: ['openssl'], packages: ['openssl'] },
  ])('installs $packages as root on Debian when $missing is missing', ({ missing, packages }) => {
    const plan = planSystemTools(facts({ found: without(...missing) }));
    expect(plan).toMatchObject({ kind: 'install', packages });
    expect(plan.kind === 'install' && plan.message).toMatch(/^system-tools: installing /);
  });

  it.each([
    { why: 'not root', overrides: { isRoot: false }, reason: 'installing needs root', command: "sudo sh -c 'apt-get" },
    { why: 'no apt-get', overrides: { hasAptGet: false }, reason: 'no apt-get', command: '`apt-get update' },
    {
      why: 'installing turned off',
      overrides: { installDisabled: true },
      reason: 'METER_BRIDGE_NO_INSTALL=1',
      command: '`apt-get update',
    },
  ])('fails at once with the command to run when $why', ({ overrides, reason, command }) => {
    const plan = planSystemTools(facts({ ...overrides, found: without('mosquitto') }));
    expect(plan.kind).toBe('fail');
    const message = plan.kind === 'fail' ? plan.message : '';
    expect(message).toContain('missing mosquitto (the bridge and chaos suites');
    expect(message).toContain(reason);
    expect(message).toContain(command);
    expect(message).toContain('apt-get install -y mosquitto');
  });

  it('names a tool missing when any one of its binaries is', () => {
    expect(missingTools(without('mosquitto_passwd')).map((tool) => tool.name)).toEqual(['mosquitto']);
  });
});
