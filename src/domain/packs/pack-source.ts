// Reads a pack file (native YAML or JSON, or SCOM XML) into a validated document, with issues that name the place.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import {
  type PackDocument,
  type PackSourceFormat,
  packDocumentSchema,
  packSourceFormats,
} from './pack-document.js';
import { nativePath, type PackIssue } from './pack-validation.js';
import type { ExternalModule, ProfileUse } from './profile-uses.js';
import { convertScomXml, type ReferenceUse, type SkippedElement } from './scom-xml.js';

export { type PackSourceFormat, packSourceFormats };

export interface ParsedPack {
  format: PackSourceFormat;
  document: PackDocument;
  skipped: SkippedElement[];
  /** Values naming elements of other packs (SCOM XML only), for missing-reference handling. */
  uses: ReferenceUse[];
  /** SCOM workflows and module types that run as a profile (SCOM XML only). */
  profileUses: ProfileUse[];
  /** Module types of referenced packs that its workflows and module types are built from (SCOM XML only). */
  externalModules?: ExternalModule[];
  /** Turns a document path (`classes[2].baseClass`) into the path reported to the user. */
  locate(path: string): string;
}

export type ParseOutcome = { ok: true; pack: ParsedPack } | { ok: false; issues: PackIssue[] };

/** A leading `<` is XML, a leading `{` JSON, anything else YAML. */
export function sniffFormat(content: string): PackSourceFormat {
  const start = content.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return 'scom-xml';
  if (start.startsWith('{')) return 'json';
  return 'yaml';
}

/** The format an imported text is exported as: native text that is JSON is JSON, other native text YAML. */
export function exportFormatOf(storedFormat: 'native' | 'scom-xml', content: string): PackSourceFormat {
  if (storedFormat === 'scom-xml') return 'scom-xml';
  try {
    JSON.parse(content);
    return 'json';
  } catch {
    return 'yaml';
  }
}

export function parsePackSource(
  content: string,
  format: PackSourceFormat = sniffFormat(content),
): ParseOutcome {
  const fail = (message: string): ParseOutcome => ({
    ok: false,
    issues: [{ path: 'body.content', message }],
  });
  if (format === 'scom-xml') {
    const converted = convertScomXml(content);
    if (!converted.ok) return converted;
    const out = finish(
      format,
      converted.document,
      converted.skipped,
      converted.locate,
      converted.uses,
      converted.profileUses,
    );
    if (out.ok) out.pack.externalModules = converted.externalModules;
    return out;
  }
  let raw: unknown;
  if (format === 'json') {
    try {
      raw = JSON.parse(content);
    } catch (err) {
      return fail(`is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    try {
      // Aliases are capped so a small file cannot expand into a huge document.
      raw = parseYaml(content, { maxAliasCount: 50, prettyErrors: false, uniqueKeys: true });
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const pos = err.linePos?.[0];
        return fail(
          `is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}: ${firstLine(err.message)}`,
        );
      }
      return fail(`is not valid YAML: ${firstLine((err as Error).message)}`);
    }
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      issues: [{ path: 'pack', message: 'must be a mapping with id, version and elements' }],
    };
  }
  return finish(format, raw, [], nativePath);
}

function finish(
  format: PackSourceFormat,
  raw: unknown,
  skipped: SkippedElement[],
  locate: (path: string) => string,
  uses: ReferenceUse[] = [],
  profileUses: ProfileUse[] = [],
): ParseOutcome {
  const parsed = packDocumentSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: zodIssuesAt(parsed.error, locate) };
  return { ok: true, pack: { format, document: parsed.data, skipped, uses, profileUses, locate } };
}

function zodIssuesAt(error: z.ZodError, locate: (path: string) => string): PackIssue[] {
  return error.issues.map((i) => ({ path: locate(docPath(i.path)), message: i.message }));
}

/** `['classes', 2, 'baseClass']` → `classes[2].baseClass`. */
export function docPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

const firstLine = (s: string) => s.split('\n')[0] ?? s;
