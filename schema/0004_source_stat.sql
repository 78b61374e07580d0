-- PLACEHOLDER on branch h-web only, so that 0005 (sessions) applies in order while the real 0004
-- lives on branch h-speed. At merge take h-speed's file.
SELECT 1;
