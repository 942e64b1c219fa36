// What a workflow's output means: a monitor's health state, the alerts a rule raises, the objects a discovery
// finds. Actions speak through their exit code and JSON lines on standard output; other lines are ignored.

export const healthStates = ['healthy', 'warning', 'critical'] as const;
export type HealthState = (typeof healthStates)[number];

const severities = ['critical', 'warning', 'information'] as const;
const priorities = ['high', 'medium', 'low'] as const;
export type OutputSeverity = (typeof severities)[number];
export type OutputPriority = (typeof priorities)[number];

/** What one run produced, as the server sees it after the agent reported it. */
export interface RunOutput {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
}

export interface OutputProblem {
  /** 1-based line of standard output, or 0 for the run as a whole. */
  line: number;
  message: string;
}

export const MESSAGE_MAX_CHARS = 1000;
const NAME_MAX_CHARS = 256;
const DESCRIPTION_MAX_CHARS = 4000;
export const DISCOVERY_MAX_OBJECTS = 1000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON objects among the output lines, with their line numbers; lines that are not JSON objects are text. */
function jsonLines(stdout: string): { line: number; value: Record<string, unknown> }[] {
  const out: { line: number; value: Record<string, unknown> }[] = [];
  stdout.split('\n').forEach((text, i) => {
    const t = text.trim();
    if (!t.startsWith('{')) return;
    try {
      const value: unknown = JSON.parse(t);
      if (isRecord(value)) out.push({ line: i + 1, value });
    } catch {
      // Not JSON: ordinary text output.
    }
  });
  return out;
}

const firstTextLine = (stdout: string) =>
  (stdout.split('\n').find((l) => l.trim() && !l.trim().startsWith('{')) ?? '')
    .trim()
    .slice(0, MESSAGE_MAX_CHARS);

export type MonitorReading =
  | { kind: 'state'; state: HealthState; message: string }
  | { kind: 'unknown'; problem: string };

/**
 * A monitor's state. A JSON line `{"state": "warning", "message": "…"}` says it outright (the last such line
 * wins); otherwise the exit code does, as plugins of classic monitoring tools do: 0 healthy, 1 warning,
 * 2 critical. Any other exit, a timeout or no exit code leaves the state as it was.
 */
export function readMonitor(run: RunOutput): MonitorReading {
  if (run.timedOut) return { kind: 'unknown', problem: 'the monitor timed out: state unchanged' };
  let said: MonitorReading | undefined;
  for (const { line, value } of jsonLines(run.stdout)) {
    if (!('state' in value)) continue;
    const state = value.state;
    if (typeof state !== 'string' || !(healthStates as readonly string[]).includes(state)) {
      said = { kind: 'unknown', problem: `line ${line}: state must be one of ${healthStates.join(', ')}` };
      continue;
    }
    const message = typeof value.message === 'string' ? value.message.slice(0, MESSAGE_MAX_CHARS) : '';
    said = { kind: 'state', state: state as HealthState, message };
  }
  if (said) return said;
  const byExit: Record<number, HealthState> = { 0: 'healthy', 1: 'warning', 2: 'critical' };
  const state = run.exitCode === null ? undefined : byExit[run.exitCode];
  if (!state)
    return {
      kind: 'unknown',
      problem: `the monitor exited with ${run.exitCode ?? 'no code'} (0 healthy, 1 warning, 2 critical): state unchanged`,
    };
  return { kind: 'state', state, message: firstTextLine(run.stdout) };
}

export interface RuleAlert {
  name: string;
  description: string;
  severity: OutputSeverity;
  priority: OutputPriority;
  custom: Record<string, string>;
}

const customKeys = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);

function text(v: unknown, max: number): string | undefined {
  return typeof v === 'string' ? v.slice(0, max) : undefined;
}

/**
 * Alerts a rule raises: one per JSON line `{"alert": {"name", "severity"?, "priority"?, "description"?,
 * "custom"?: {"1": "…"}}}`. Severity defaults to warning, priority to medium.
 */
export function readRuleAlerts(run: RunOutput): { alerts: RuleAlert[]; problems: OutputProblem[] } {
  const alerts: RuleAlert[] = [];
  const problems: OutputProblem[] = [];
  for (const { line, value } of jsonLines(run.stdout)) {
    if (!('alert' in value)) continue;
    const a = value.alert;
    if (!isRecord(a)) {
      problems.push({ line, message: 'alert must be an object' });
      continue;
    }
    const name = typeof a.name === 'string' ? a.name.trim() : '';
    if (!name || name.length > NAME_MAX_CHARS) {
      problems.push({ line, message: `alert.name must be 1–${NAME_MAX_CHARS} characters` });
      continue;
    }
    const severity = a.severity ?? 'warning';
    if (typeof severity !== 'string' || !(severities as readonly string[]).includes(severity)) {
      problems.push({ line, message: `alert.severity must be one of ${severities.join(', ')}` });
      continue;
    }
    const priority = a.priority ?? 'medium';
    if (typeof priority !== 'string' || !(priorities as readonly string[]).includes(priority)) {
      problems.push({ line, message: `alert.priority must be one of ${priorities.join(', ')}` });
      continue;
    }
    const custom: Record<string, string> = {};
    if (a.custom !== undefined) {
      if (!isRecord(a.custom) || Object.keys(a.custom).some((k) => !customKeys.has(k))) {
        problems.push({ line, message: 'alert.custom must map "1"…"10" to text' });
        continue;
      }
      for (const [k, v] of Object.entries(a.custom)) {
        const t = text(v, 1024);
        if (t !== undefined) custom[k] = t;
      }
    }
    alerts.push({
      name,
      description: text(a.description, DESCRIPTION_MAX_CHARS) ?? '',
      severity: severity as OutputSeverity,
      priority: priority as OutputPriority,
      custom,
    });
  }
  return { alerts, problems };
}

export type PropertyValue = string | number | boolean;

export interface DiscoveredObject {
  line: number;
  classId: string;
  name?: string;
  displayName?: string;
  properties: Record<string, PropertyValue>;
  /** The object that hosts it; absent means the object the discovery ran for. */
  hostId?: string;
}

export type DiscoveryReading =
  | { kind: 'snapshot'; objects: DiscoveredObject[]; problems: OutputProblem[] }
  | { kind: 'failed'; problem: string };

/**
 * The objects a discovery found: one per JSON line `{"class", "name"?, "displayName"?, "properties"?,
 * "host"?}`. The lines are the whole truth for this discovery and object: objects it found before and does
 * not list now are gone. A run that failed (non-zero exit, timeout) says nothing, so nothing is removed.
 */
export function readDiscovery(run: RunOutput): DiscoveryReading {
  if (run.timedOut) return { kind: 'failed', problem: 'the discovery timed out: objects unchanged' };
  if (run.exitCode !== 0)
    return {
      kind: 'failed',
      problem: `the discovery exited with ${run.exitCode ?? 'no code'}: objects unchanged`,
    };
  const objects: DiscoveredObject[] = [];
  const problems: OutputProblem[] = [];
  for (const { line, value } of jsonLines(run.stdout)) {
    if (!('class' in value)) continue;
    if (typeof value.class !== 'string' || !value.class) {
      problems.push({ line, message: 'class must be a class id' });
      continue;
    }
    const props = value.properties ?? {};
    if (!isRecord(props)) {
      problems.push({ line, message: 'properties must be an object' });
      continue;
    }
    const bad = Object.entries(props).find(
      ([, v]) => typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean',
    );
    if (bad) {
      problems.push({ line, message: `properties.${bad[0]} must be text, a number or true/false` });
      continue;
    }
    const name = value.name;
    if (name !== undefined && (typeof name !== 'string' || !name.trim() || name.length > NAME_MAX_CHARS)) {
      problems.push({ line, message: `name must be 1–${NAME_MAX_CHARS} characters` });
      continue;
    }
    const host = value.host;
    if (host !== undefined && (typeof host !== 'string' || !host)) {
      problems.push({ line, message: 'host must be an object id' });
      continue;
    }
    if (objects.length === DISCOVERY_MAX_OBJECTS) {
      problems.push({ line, message: `more than ${DISCOVERY_MAX_OBJECTS} objects: the rest are ignored` });
      break;
    }
    objects.push({
      line,
      classId: value.class,
      ...(typeof name === 'string' ? { name: name.trim() } : {}),
      ...(typeof value.displayName === 'string'
        ? { displayName: value.displayName.slice(0, NAME_MAX_CHARS) }
        : {}),
      properties: props as Record<string, PropertyValue>,
      ...(typeof host === 'string' ? { hostId: host } : {}),
    });
  }
  return { kind: 'snapshot', objects, problems };
}
