-- PLACEHOLDER on branch h-ids only, so that 0006 applies in order while the real migration
-- lives on another branch (h-speed: 0004, h-web: 0005). At merge take the other branch's file.
SELECT 1;
