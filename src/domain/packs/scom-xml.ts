// Converts a SCOM management pack XML file into a native pack document, listing what Steward does not run.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { PackDocumentInput, PropertyType, RelationshipKind } from './pack-document.js';
import type { PackIssue } from './pack-validation.js';
import { ROOT_CLASS_ID, SYSTEM_LIBRARY_PACK_ID } from './pack-validation.js';
import type { ExternalModule, ProfileUse } from './profile-uses.js';
import { findExternalModules, findProfileUses } from './scom-profile-uses.js';

export interface SkippedElement {
  path: string;
  kind: string;
  reason: string;
  /** The pack this element waits for, when it was left out because that pack is not imported. */
  missingPack?: string;
}

/** An element of the document that names an element of another pack (`Alias!Id` in the XML). */
export interface ReferenceUse {
  /** Document path of the value, like `classes[2].baseClass`. */
  path: string;
  packId: string;
  alias: string;
  /** The element named, without its alias. */
  id: string;
}

export type ScomConversion =
  | {
      ok: true;
      document: PackDocumentInput;
      skipped: SkippedElement[];
      /** Every value that names an element of another pack, with that pack. */
      uses: ReferenceUse[];
      /** Workflows and module types that run as a profile (not run by Steward, but counted). */
      profileUses: ProfileUse[];
      /** Module types of referenced packs that its workflows and module types are built from. */
      externalModules: ExternalModule[];
      /** Maps a document path (`classes[2].baseClass`) to where it came from in the XML. */
      locate(path: string): string;
    }
  | { ok: false; issues: PackIssue[] };

const propertyTypeMap: Readonly<Record<string, PropertyType>> = {
  string: 'string',
  int: 'int',
  decimal: 'decimal',
  double: 'double',
  bool: 'bool',
  datetime: 'datetime',
  guid: 'guid',
};

const reasons = {
  module:
    'SCOM module types are not run by Steward; write the work as a native workflow (a command or a script).',
  workflow:
    'written with SCOM modules, which Steward does not run; declare it as a native workflow in a Steward pack.',
  override: 'SCOM overrides are not imported.',
  presentation: 'console views, folders and other presentation elements are not imported.',
  report: 'reports are not imported.',
  enumeration: 'enumerations are not imported; properties of an enumeration type are imported as strings.',
  other: 'this SCOM element has no Steward equivalent.',
  resource: 'assemblies, images and other resources are not imported; Steward runs no SCOM modules.',
  reference: 'only elements that Steward does not import use this reference, so it is not required.',
} as const;

type XmlNode = Record<string, unknown>;

/** Real packs nest a few dozen levels at most; deeper input is refused before it is built into objects. */
const MAX_NESTING = 256;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Every element as an array: one shape for one or many children.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  maxNestedTags: MAX_NESTING,
});

const children = (node: unknown, name: string): XmlNode[] => {
  if (!node || typeof node !== 'object') return [];
  const v = (node as XmlNode)[name];
  return Array.isArray(v) ? (v.filter((x) => x !== undefined) as XmlNode[]) : [];
};
const child = (node: unknown, name: string): XmlNode | undefined => children(node, name)[0];
const text = (node: unknown): string | undefined => {
  if (typeof node === 'string') return node.trim();
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (node && typeof node === 'object') return text((node as XmlNode)['#text']);
  return undefined;
};
const childText = (node: unknown, name: string) => text(children(node, name)[0]);
const attr = (node: unknown, name: string): string | undefined => {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[`@${name}`];
  return v === undefined ? undefined : String(v).trim();
};
const isTrue = (v: string | undefined) => v?.toLowerCase() === 'true';
const q = (id: string | undefined) => (id ? `[@ID='${id}']` : '');

export function convertScomXml(input: string): ScomConversion {
  // A byte order mark left in decoded text is not part of the document.
  const content = input.replace(/^\uFEFF/, '');
  const fail = (message: string): ScomConversion => ({
    ok: false,
    issues: [{ path: 'body.content', message }],
  });
  // DOCTYPE declarations are refused outright: management packs never need them, and entities are a risk.
  if (/<!DOCTYPE/i.test(content)) return fail('DOCTYPE declarations are not accepted in a management pack.');
  const valid = XMLValidator.validate(content);
  if (valid !== true) {
    return fail(`is not well-formed XML (line ${valid.err.line}, column ${valid.err.col}): ${valid.err.msg}`);
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(content);
  } catch {
    // The validator accepted it, so what the parser refuses is its nesting depth.
    return fail(`nests elements more than ${MAX_NESTING} levels deep.`);
  }
  const root = child(parsed, 'ManagementPack');
  if (!root) return fail('the root element must be <ManagementPack>.');

  const issues: PackIssue[] = [];
  const skipped: SkippedElement[] = [];
  const origins = new Map<string, string>();
  const MP = 'ManagementPack';

  const manifest = child(root, 'Manifest');
  const identity = child(manifest, 'Identity');
  const packId = childText(identity, 'ID');
  const version = childText(identity, 'Version');
  if (!packId) issues.push({ path: `${MP}/Manifest/Identity/ID`, message: 'is required' });
  if (!version) issues.push({ path: `${MP}/Manifest/Identity/Version`, message: 'is required' });
  origins.set('id', `${MP}/Manifest/Identity/ID`);
  origins.set('version', `${MP}/Manifest/Identity/Version`);

  // Display strings of the English language pack.
  const strings = new Map<string, { name?: string; description?: string }>();
  const enu = children(child(root, 'LanguagePacks'), 'LanguagePack').find((l) => attr(l, 'ID') === 'ENU');
  for (const ds of children(child(enu, 'DisplayStrings'), 'DisplayString')) {
    const element = attr(ds, 'ElementID');
    if (element && !attr(ds, 'SubElementID')) {
      strings.set(element, { name: childText(ds, 'Name'), description: childText(ds, 'Description') });
    }
  }
  const named = (id: string) => {
    const s = strings.get(id);
    return {
      ...(s?.name ? { displayName: s.name } : {}),
      ...(s?.description ? { description: s.description } : {}),
    };
  };

  // References by alias; which are really used is decided by the elements imported.
  const refs = new Map<string, { id: string; version: string; path: string }>();
  for (const r of children(child(manifest, 'References'), 'Reference')) {
    const alias = attr(r, 'Alias');
    const id = childText(r, 'ID');
    const path = `${MP}/Manifest/References/Reference[@Alias='${alias ?? ''}']`;
    if (!alias || !id) {
      issues.push({ path, message: 'a reference needs an Alias attribute and an ID' });
      continue;
    }
    refs.set(alias, { id, version: childText(r, 'Version') ?? '0', path });
  }
  const usedRefs = new Set<string>();
  const uses: ReferenceUse[] = [];

  /** Resolves `Alias!Id` (or a local id) to the element id, noting which pack it comes from. */
  const ref = (value: string | undefined, path: string, docPath: string) => {
    if (!value) {
      issues.push({ path, message: 'is required' });
      return '';
    }
    const bang = value.indexOf('!');
    if (bang < 0) return value;
    const alias = value.slice(0, bang);
    const id = value.slice(bang + 1);
    const target = refs.get(alias);
    if (!target) {
      issues.push({ path, message: `alias '${alias}' is not declared in Manifest/References` });
      return id;
    }
    usedRefs.add(alias);
    uses.push({ path: docPath, packId: target.id, alias, id });
    return id;
  };

  const entityTypes = child(child(root, 'TypeDefinitions'), 'EntityTypes');
  const classTypesPath = `${MP}/TypeDefinitions/EntityTypes/ClassTypes/ClassType`;
  const classes: NonNullable<PackDocumentInput['classes']> = [];
  for (const c of children(child(entityTypes, 'ClassTypes'), 'ClassType')) {
    const id = attr(c, 'ID') ?? '';
    const path = `${classTypesPath}${q(id)}`;
    const i = classes.length;
    origins.set(`classes[${i}]`, path);
    origins.set(`classes[${i}].id`, `${path}/@ID`);
    origins.set(`classes[${i}].baseClass`, `${path}/@Base`);
    const properties = children(c, 'Property').map((p, j) => {
      const name = attr(p, 'ID') ?? '';
      origins.set(`classes[${i}].properties[${j}]`, `${path}/Property[@ID='${name}']`);
      return {
        name,
        type: propertyTypeMap[(attr(p, 'Type') ?? 'string').toLowerCase()] ?? 'string',
        key: isTrue(attr(p, 'Key')),
      };
    });
    classes.push({
      id,
      ...named(id),
      baseClass: ref(attr(c, 'Base'), `${path}/@Base`, `classes[${i}].baseClass`),
      abstract: isTrue(attr(c, 'Abstract')),
      hosted: isTrue(attr(c, 'Hosted')),
      properties,
    });
  }

  const relationshipsPath = `${MP}/TypeDefinitions/EntityTypes/RelationshipTypes/RelationshipType`;
  const relationshipNodes = children(child(entityTypes, 'RelationshipTypes'), 'RelationshipType');
  const localKinds = new Map<string, string | undefined>(
    relationshipNodes.map((r) => [attr(r, 'ID') ?? '', attr(r, 'Base')]),
  );
  const kindOf = (base: string | undefined, depth = 0): RelationshipKind => {
    if (!base || depth > 20) return 'reference';
    const id = base.includes('!') ? base.slice(base.indexOf('!') + 1) : base;
    if (!base.includes('!') && localKinds.has(id)) return kindOf(localKinds.get(id), depth + 1);
    if (id === 'System.Hosting' || /Hosts/.test(id)) return 'hosting';
    if (id === 'System.Containment' || /Contains/.test(id)) return 'containment';
    return 'reference';
  };
  const relationships: NonNullable<PackDocumentInput['relationships']> = [];
  for (const r of relationshipNodes) {
    const id = attr(r, 'ID') ?? '';
    const path = `${relationshipsPath}${q(id)}`;
    const i = relationships.length;
    origins.set(`relationships[${i}]`, path);
    origins.set(`relationships[${i}].source`, `${path}/Source/@Type`);
    origins.set(`relationships[${i}].target`, `${path}/Target/@Type`);
    // Relationship bases are SCOM's abstract relationship types: used only to tell the kind.
    const base = attr(r, 'Base');
    if (base?.includes('!')) ref(base, `${path}/@Base`, `relationships[${i}].kind`);
    const end = (name: 'Source' | 'Target') => {
      const n = child(r, name);
      const field = name === 'Source' ? 'source' : 'target';
      return ref(attr(n, 'Type') ?? text(n), `${path}/${name}/@Type`, `relationships[${i}].${field}`);
    };
    relationships.push({ id, kind: kindOf(base), source: end('Source'), target: end('Target') });
  }

  const profiles: NonNullable<PackDocumentInput['profiles']> = [];
  let needsRoot = false;
  const secureRefsPath = `${MP}/TypeDefinitions/SecureReferences/SecureReference`;
  for (const s of children(child(child(root, 'TypeDefinitions'), 'SecureReferences'), 'SecureReference')) {
    const id = attr(s, 'ID') ?? '';
    const path = `${secureRefsPath}${q(id)}`;
    const i = profiles.length;
    origins.set(`profiles[${i}]`, path);
    origins.set(`profiles[${i}].contextClass`, `${path}/@Context`);
    const comment = attr(s, 'Comment');
    const shown = named(id);
    // SCOM treats a secure reference without a context as one for any class.
    const context = attr(s, 'Context');
    if (!context) needsRoot = true;
    profiles.push({
      id,
      ...shown,
      ...(shown.description ? {} : comment ? { description: comment } : {}),
      contextClass: context ? ref(context, `${path}/@Context`, `profiles[${i}].contextClass`) : ROOT_CLASS_ID,
    });
  }

  const profileUses: ProfileUse[] = [];
  for (const u of findProfileUses(root, MP)) {
    const i = profileUses.length;
    origins.set(`profileUses[${i}]`, u.elementPath);
    origins.set(`profileUses[${i}].profileId`, u.path);
    origins.set(`profileUses[${i}].targetClassId`, `${u.elementPath}/@Target`);
    profileUses.push({
      elementId: u.elementId,
      elementKind: u.elementKind,
      profileId: ref(u.profile, u.path, `profileUses[${i}].profileId`),
      targetClassId:
        u.target === null
          ? null
          : ref(u.target, `${u.elementPath}/@Target`, `profileUses[${i}].targetClassId`),
      path: u.path,
      via: u.via,
      how: u.how,
    });
  }
  // Resolved without counting as a use of the referenced pack: without it, these simply find nothing.
  const resolve = (value: string) => {
    const bang = value.indexOf('!');
    return bang < 0
      ? { packId: packId!, id: value }
      : { packId: refs.get(value.slice(0, bang))?.id, id: value.slice(bang + 1) };
  };
  const externalModules: ExternalModule[] = [];
  for (const e of findExternalModules(root, MP)) {
    const module = resolve(e.typeId);
    if (!module.packId) continue;
    externalModules.push({
      elementId: e.elementId,
      elementKind: e.elementKind,
      targetClassId: e.target === null ? null : resolve(e.target).id,
      packId: module.packId,
      moduleId: module.id,
      path: e.path,
    });
  }
  const profilesOf = new Map<string, string[]>();
  for (const [k, u] of profileUses.entries()) {
    const at = origins.get(`profileUses[${k}]`)!;
    profilesOf.set(at, [...new Set([...(profilesOf.get(at) ?? []), u.profileId])]);
  }

  // Everything else is listed as skipped, never silently dropped.
  const skipAll = (section: XmlNode | undefined, path: string, reasonFor: (container: string) => string) => {
    if (!section) return;
    for (const [container, value] of Object.entries(section)) {
      if (container.startsWith('@') || container === '#text' || !Array.isArray(value)) continue;
      for (const group of value as XmlNode[]) {
        if (!group || typeof group !== 'object') continue;
        for (const [kind, items] of Object.entries(group)) {
          if (kind.startsWith('@') || kind === '#text' || !Array.isArray(items)) continue;
          for (const item of items as XmlNode[]) {
            const at = `${path}/${container}/${kind}${q(attr(item, 'ID'))}`;
            const runsAs = profilesOf.get(at);
            skipped.push({
              path: at,
              kind,
              reason: runsAs
                ? `${reasonFor(container)} It runs as ${runsAs.map((p) => `'${p}'`).join(', ')}: recorded as a profile use, which is not run but counts for findings and suggested distribution.`
                : reasonFor(container),
            });
          }
        }
      }
    }
  };
  const typeDefinitions = child(root, 'TypeDefinitions');
  if (typeDefinitions) {
    const rest = Object.fromEntries(
      Object.entries(typeDefinitions).filter(([k]) => k !== 'EntityTypes' && k !== 'SecureReferences'),
    );
    skipAll(rest, `${MP}/TypeDefinitions`, (c) =>
      c.endsWith('ModuleTypes') || c === 'MonitorTypes' ? reasons.module : reasons.other,
    );
    const entityRest = Object.fromEntries(
      Object.entries(entityTypes ?? {}).filter(([k]) => k !== 'ClassTypes' && k !== 'RelationshipTypes'),
    );
    skipAll(entityRest, `${MP}/TypeDefinitions/EntityTypes`, (c) =>
      c === 'EnumerationTypes' ? reasons.enumeration : reasons.other,
    );
  }
  const sections: [string, (c: string) => string][] = [
    ['Monitoring', (c) => (c === 'Overrides' ? reasons.override : reasons.workflow)],
    ['Presentation', () => reasons.presentation],
    ['Reporting', () => reasons.report],
    ['Reports', () => reasons.report],
    ['Templates', () => reasons.other],
    ['Categories', () => reasons.other],
    // VSAE build output carries the pack's assemblies and images, and sometimes warehouse definitions.
    ['Resources', () => reasons.resource],
    ['Warehouse', () => reasons.report],
  ];
  for (const [name, reasonFor] of sections) {
    const section = child(root, name);
    if (!section) continue;
    // These list their elements directly (Categories/Category, Resources/Assembly, Resources/Image).
    if (name === 'Categories' || name === 'Resources') {
      for (const [kind, items] of Object.entries(section)) {
        if (kind.startsWith('@') || kind === '#text' || !Array.isArray(items)) continue;
        for (const item of items as XmlNode[]) {
          skipped.push({ path: `${MP}/${name}/${kind}${q(attr(item, 'ID'))}`, kind, reason: reasonFor('') });
        }
      }
      continue;
    }
    skipAll(section, `${MP}/${name}`, reasonFor);
  }

  const references: NonNullable<PackDocumentInput['references']> = [];
  for (const [alias, r] of refs) {
    const rootHere = needsRoot && r.id === SYSTEM_LIBRARY_PACK_ID;
    if (!usedRefs.has(alias) && !rootHere) {
      skipped.push({ path: r.path, kind: 'Reference', reason: reasons.reference });
      continue;
    }
    if (references.some((x) => x.id === r.id)) continue;
    origins.set(`references[${references.length}]`, r.path);
    references.push({ id: r.id, alias, minVersion: r.version });
  }
  // A context-less secure reference names System.Entity even when the pack does not reference System.Library.
  if (needsRoot && !references.some((x) => x.id === SYSTEM_LIBRARY_PACK_ID)) {
    references.push({ id: SYSTEM_LIBRARY_PACK_ID, alias: 'System', minVersion: '1.0' });
  }

  if (issues.length > 0) return { ok: false, issues };
  const name = childText(manifest, 'Name');
  const shown = named(packId!);
  const document: PackDocumentInput = {
    id: packId!,
    version: version!,
    displayName: shown.displayName ?? name ?? packId!,
    ...(shown.description ? { description: shown.description } : {}),
    sealed: true,
    references,
    classes,
    relationships,
    profiles,
  };
  return {
    ok: true,
    document,
    skipped,
    uses,
    profileUses,
    externalModules,
    locate: (path) => {
      let best: string | undefined;
      let bestKey = '';
      for (const [key, origin] of origins) {
        const boundary = path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`);
        if (boundary && key.length > bestKey.length) {
          best = origin;
          bestKey = key;
        }
      }
      if (!best) return `${MP} (${path})`;
      return path === bestKey ? best : `${best} (${path.slice(bestKey.length).replace(/^\./, '')})`;
    },
  };
}
