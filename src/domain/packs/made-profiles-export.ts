// Adds the Run As profiles an administrator made in an unsealed pack to the pack's exported text, in the
// pack's own format, so exporting and importing elsewhere brings them along.
import { parseDocument } from 'yaml';
import type { PackSourceFormat } from './pack-document.js';

export interface MadeProfile {
  id: string;
  displayName: string;
  description: string;
  contextClassId: string;
}

const nativeEntry = (p: MadeProfile) => ({
  id: p.id,
  displayName: p.displayName,
  description: p.description,
  contextClass: p.contextClassId,
});

export function withMadeProfiles(format: PackSourceFormat, content: string, made: MadeProfile[]): string {
  if (!made.length) return content;
  if (format === 'json') {
    const obj = JSON.parse(content) as { profiles?: unknown[] };
    obj.profiles = [...(obj.profiles ?? []), ...made.map(nativeEntry)];
    return `${JSON.stringify(obj, null, 2)}\n`;
  }
  if (format === 'yaml') {
    const doc = parseDocument(content);
    const seq = doc.get('profiles');
    if (seq && typeof seq === 'object' && 'items' in seq) {
      for (const p of made) doc.addIn(['profiles'], doc.createNode(nativeEntry(p)));
    } else {
      doc.set('profiles', doc.createNode(made.map(nativeEntry)));
    }
    return String(doc);
  }
  // A SCOM XML pack is always sealed here, so no profile is ever made in one.
  return content;
}
