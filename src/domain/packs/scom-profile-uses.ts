// Who uses each Run As profile in a SCOM pack: every workflow and module type that carries `RunAs="…"` (on
// itself or on one of its member modules) or substitutes `$RunAs[Name="…"]/…$` credentials, and every workflow
// that reaches such a module type of the same pack through its modules, however deep; and the module types of
// referenced packs each element is built from, whose own uses are looked up when the pack is imported.

type XmlNode = Record<string, unknown>;

/** One element of the pack that runs as (or reads the credentials of) a profile. Ids as written (`Alias!Id`). */
export interface ScomProfileUseRaw {
  elementId: string;
  /** The XML element name: Rule, UnitMonitor, Discovery, Task, DataSourceModuleType, … */
  elementKind: string;
  /** Path of the element itself. */
  elementPath: string;
  /** The profile as written: `Alias!Id` or a local id. */
  profile: string;
  /** The workflow's `Target` as written; null for module types, which have none. */
  target: string | null;
  /** Where the profile is named: a `…/@RunAs` attribute or the element holding the substitution. */
  path: string;
  /** The in-pack module type that names the profile, when the element uses it through its modules. */
  via: string | null;
  how: 'run-as' | 'substitution';
}

const SUBSTITUTION = /\$RunAs\[Name="([^"]+)"\]\/[A-Za-z]+\$/g;

const MODULE_SECTIONS = [
  'ModuleTypes', // DataSource, ProbeAction, ConditionDetection and WriteAction module types
  'MonitorTypes', // UnitMonitorType
];
const WORKFLOW_SECTIONS = ['Discoveries', 'Rules', 'Tasks', 'Monitors', 'Recoveries', 'Diagnostics'];

const attr = (node: unknown, name: string): string | undefined => {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[`@${name}`];
  return v === undefined ? undefined : String(v).trim();
};
const q = (id: string | undefined) => (id ? `[@ID='${id}']` : '');

interface Direct {
  profile: string;
  path: string;
  how: 'run-as' | 'substitution';
}

/** A module type of another pack (`Alias!Id`) that an element of this pack is built from, directly or through its own module types. */
export interface ScomExternalModuleRaw {
  elementId: string;
  elementKind: string;
  elementPath: string;
  target: string | null;
  /** The module type as written: `Alias!Id`. */
  typeId: string;
  /** The `…/@TypeID` attribute that names it. */
  path: string;
}

/** What one element names itself: profiles (with where) and the module types it is built from (with where). */
function scan(node: XmlNode, path: string): { direct: Direct[]; typeIds: Map<string, string> } {
  const direct: Direct[] = [];
  const typeIds = new Map<string, string>();
  const text = (value: string, at: string) => {
    for (const m of value.matchAll(SUBSTITUTION))
      direct.push({ profile: m[1]!, path: at, how: 'substitution' });
  };
  const walk = (n: XmlNode, at: string) => {
    for (const [key, value] of Object.entries(n)) {
      if (key.startsWith('@')) {
        const v = String(value).trim();
        if (key === '@RunAs' && v) direct.push({ profile: v, path: `${at}/@RunAs`, how: 'run-as' });
        else if (key === '@TypeID' && v) {
          if (!typeIds.has(v)) typeIds.set(v, `${at}/@TypeID`);
        } else text(v, `${at}/${key}`);
      } else if (key === '#text') {
        text(String(value), at);
      } else if (Array.isArray(value)) {
        for (const item of value) {
          const here = `${at}/${key}${q(attr(item, 'ID'))}`;
          if (typeof item === 'string') text(item, here);
          else if (item && typeof item === 'object') walk(item as XmlNode, here);
        }
      }
    }
  };
  walk(node, path);
  return { direct, typeIds };
}

/** Every element of the section's groups (`<Rules><Rule/>…</Rules>`), with its path. */
function* elementsOf(section: XmlNode | undefined, sectionPath: string, groups: readonly string[]) {
  if (!section) return;
  for (const group of groups) {
    for (const container of (section[group] as XmlNode[] | undefined) ?? []) {
      if (!container || typeof container !== 'object') continue;
      for (const [kind, items] of Object.entries(container)) {
        if (kind.startsWith('@') || kind === '#text' || !Array.isArray(items)) continue;
        for (const item of items as XmlNode[]) {
          if (!item || typeof item !== 'object') continue;
          const id = attr(item, 'ID') ?? '';
          yield { id, kind, node: item, path: `${sectionPath}/${group}/${kind}${q(id)}` };
        }
      }
    }
  }
}

/** The profile uses of a parsed pack (`root` is the `<ManagementPack>` node). */
export function findProfileUses(root: XmlNode, rootPath: string): ScomProfileUseRaw[] {
  return analyse(root, rootPath).uses;
}

/**
 * The module types of other packs each workflow and module type is built from: a referenced pack's module type
 * that runs as a profile makes the element a user of that profile (resolved at import, against that pack's uses).
 */
export function findExternalModules(root: XmlNode, rootPath: string): ScomExternalModuleRaw[] {
  return analyse(root, rootPath).external;
}

function analyse(root: XmlNode, rootPath: string) {
  const first = (n: unknown, name: string) =>
    ((n as XmlNode | undefined)?.[name] as XmlNode[] | undefined)?.[0];
  const typeDefinitions = first(root, 'TypeDefinitions');
  const monitoring = first(root, 'Monitoring');

  const modules = new Map<
    string,
    { kind: string; path: string; direct: Direct[]; typeIds: Map<string, string> }
  >();
  for (const m of elementsOf(typeDefinitions, `${rootPath}/TypeDefinitions`, MODULE_SECTIONS)) {
    modules.set(m.id, { kind: m.kind, path: m.path, ...scan(m.node, m.path) });
  }

  /** What an element uses through the in-pack module types it is built from, however deep (cycles stop). */
  const through = (typeIds: Map<string, string>) => {
    const out: (Direct & { via: string })[] = [];
    const externals: { typeId: string; path: string }[] = [];
    const seen = new Set<string>();
    const queue = [...typeIds];
    while (queue.length) {
      const [id, at] = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (id.includes('!')) {
        externals.push({ typeId: id, path: at });
        continue;
      }
      const m = modules.get(id);
      if (!m) continue;
      for (const d of m.direct) out.push({ ...d, via: id });
      queue.push(...m.typeIds);
    }
    return { out, externals };
  };

  const uses: ScomProfileUseRaw[] = [];
  const add = (u: ScomProfileUseRaw) => {
    if (!uses.some((x) => x.elementId === u.elementId && x.path === u.path && x.profile === u.profile)) {
      uses.push(u);
    }
  };
  const external: ScomExternalModuleRaw[] = [];
  for (const [id, m] of modules) {
    for (const d of m.direct)
      add({ elementId: id, elementKind: m.kind, elementPath: m.path, target: null, via: null, ...d });
    const reached = through(m.typeIds);
    for (const d of reached.out)
      add({ elementId: id, elementKind: m.kind, elementPath: m.path, target: null, ...d });
    for (const e of reached.externals)
      external.push({ elementId: id, elementKind: m.kind, elementPath: m.path, target: null, ...e });
  }
  for (const w of elementsOf(monitoring, `${rootPath}/Monitoring`, WORKFLOW_SECTIONS)) {
    const { direct, typeIds } = scan(w.node, w.path);
    const target = attr(w.node, 'Target') ?? null;
    for (const d of direct)
      add({ elementId: w.id, elementKind: w.kind, elementPath: w.path, target, via: null, ...d });
    const reached = through(typeIds);
    for (const d of reached.out)
      add({ elementId: w.id, elementKind: w.kind, elementPath: w.path, target, ...d });
    for (const e of reached.externals)
      external.push({ elementId: w.id, elementKind: w.kind, elementPath: w.path, target, ...e });
  }
  return { uses, external };
}
