-- A number that moves whenever classes change, however they change (class routes, pack imports, upgrades and
-- deletions): a server that keeps the class tree in memory checks it in a write's transaction with one
-- primary-key read instead of reading every class again. Numbers come from a sequence, so a change rolled
-- back never leaves a number that a later change reuses.
CREATE SEQUENCE steward_class_generation_seq START 2;
--> statement-breakpoint
CREATE TABLE steward_class_generation (
  id integer PRIMARY KEY CHECK (id = 1),
  generation bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO steward_class_generation (id, generation) VALUES (1, 1);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION steward_bump_class_generation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE steward_class_generation SET generation = nextval('steward_class_generation_seq') WHERE id = 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER classes_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON classes
FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_class_generation();
