-- Computers and agents are looked up by name whatever its case (an agent reports `HOST01`, an administrator
-- typed `host01`): an index on the lowered name answers those lookups without reading every row.
CREATE INDEX computers_name_lower_idx ON computers (lower(name));
--> statement-breakpoint
CREATE INDEX agents_computer_name_lower_idx ON agents (lower(computer_name));
