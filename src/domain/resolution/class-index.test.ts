// Proves the class index's ancestry, descendants and inherited workflows, including a cyclic base chain.
import { describe, expect, it } from 'vitest';
import { createClassIndex } from './class-index.js';

const classes = createClassIndex(
  [
    { id: 'Entity', baseClassId: null },
    { id: 'Computer', baseClassId: 'Entity' },
    { id: 'Db', baseClassId: 'Entity' },
    { id: 'Db.Sql', baseClassId: 'Db' },
    { id: 'Db.Sql.Clustered', baseClassId: 'Db.Sql' },
    { id: 'Loop.A', baseClassId: 'Loop.B' },
    { id: 'Loop.B', baseClassId: 'Loop.A' },
  ],
  [
    { id: 'W.db', targetClassId: 'Db', profileId: 'P.db' },
    { id: 'W.sql', targetClassId: 'Db.Sql', profileId: 'P.sql' },
    { id: 'W.sql2', targetClassId: 'Db.Sql', profileId: 'P.db' },
    { id: 'W.none', targetClassId: 'Db.Sql', profileId: null },
  ],
);

describe('class index', () => {
  it('lists a class and its bases nearest first, and nothing for an unknown class', () => {
    expect(classes.ancestors('Db.Sql.Clustered')).toEqual(['Db.Sql.Clustered', 'Db.Sql', 'Db', 'Entity']);
    expect(classes.ancestors('Nope')).toEqual([]);
  });

  it('answers isA for bases but not for derived or sibling classes', () => {
    expect(classes.isA('Db.Sql', 'Db')).toBe(true);
    expect(classes.isA('Db', 'Db.Sql')).toBe(false);
    expect(classes.isA('Computer', 'Db')).toBe(false);
  });

  it('lists descendants breadth first, self included', () => {
    expect(classes.descendants('Entity')).toEqual(['Entity', 'Computer', 'Db', 'Db.Sql', 'Db.Sql.Clustered']);
    expect(classes.descendants('Nope')).toEqual([]);
  });

  it('ends a cyclic base chain where it repeats', () => {
    expect(classes.ancestors('Loop.A')).toEqual(['Loop.A', 'Loop.B']);
  });

  it('gives a class the workflows of its bases, with each distinct profile once and -1 for none', () => {
    const node = classes.get('Db.Sql.Clustered')!;
    expect(node.workflows.map((w) => w.id)).toEqual(['W.sql', 'W.sql2', 'W.none', 'W.db']);
    expect(node.profiles).toEqual(['P.sql', 'P.db']);
    expect(node.wfProfile).toEqual([0, 1, -1, 1]);
    expect(classes.get('Computer')!.workflows).toEqual([]);
  });

  it('lists the classes a profile reaches in definition order', () => {
    expect(classes.usingProfile('P.db')).toEqual(['Db', 'Db.Sql', 'Db.Sql.Clustered']);
    expect(classes.usingProfile('P.sql')).toEqual(['Db.Sql', 'Db.Sql.Clustered']);
    expect(classes.hasWorkflow('W.none')).toBe(true);
    expect(classes.workflow('W.gone')).toBeUndefined();
  });
});
