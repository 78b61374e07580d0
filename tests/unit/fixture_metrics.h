/*
 * fixture_metrics.h — a small hand-computed data set for test_stats.c and test_report.c.
 *
 * Two incidents; "today" is 2026-04-20 (now = 2026-04-20T12:00:00Z). The expected numbers are worked
 * out in test_stats.c next to each assertion.
 */
#ifndef TEST_FIXTURE_METRICS_H
#define TEST_FIXTURE_METRICS_H

#define FIXTURE_NOW 1776686400 /* 2026-04-20T12:00:00Z */

static const char fixture_metrics_sql[] =
    "INSERT INTO incidents (id, date, source, source_hash, imported_at) VALUES "
    "('INC-2026-03-01-001', '2026-03-01', '/a.md', 'h', 't'),"
    "('INC-2026-04-05-002', '2026-04-05', '/b.md', 'h', 't');"
    "INSERT INTO items (id, incident_id, key, position, line, action, owners, owner, due, priority, status, "
    "base_action, base_status, created_at, updated_at, closed_at, removed_at) VALUES "
    /* 1: P0 done on time, 3 days to close */
    "(1,'INC-2026-03-01-001','1',1,1,'a','[\"alice\"]','alice','2026-03-10',0,'done','a','open',"
    "'2026-03-02T00:00:00Z','t','2026-03-05T00:00:00Z',NULL),"
    /* 2: P0 done late, 10.5 days */
    "(2,'INC-2026-03-01-001','2',2,2,'a','[\"alice\"]','alice','2026-03-10',0,'done','a','open',"
    "'2026-03-02T00:00:00Z','t','2026-03-12T12:00:00Z',NULL),"
    /* 3: P1 open, overdue */
    "(3,'INC-2026-03-01-001','3',3,3,'a','[\"bob\"]','bob','2026-04-01',1,'open','a','open',"
    "'2026-03-02T00:00:00Z','t',NULL,NULL),"
    /* 4: P1 blocked, no owner, no due */
    "(4,'INC-2026-03-01-001','4',4,4,'a','[]',NULL,NULL,1,'blocked','a','open',"
    "'2026-03-02T00:00:00Z','t',NULL,NULL),"
    /* 5: P0 in progress, due in 5 days */
    "(5,'INC-2026-04-05-002','1',1,1,'a','[\"carol\"]','carol','2026-04-25',0,'in_progress','a','open',"
    "'2026-04-06T00:00:00Z','t',NULL,NULL),"
    /* 6: P2 done without due, 1 day */
    "(6,'INC-2026-04-05-002','2',2,2,'a','[\"carol\"]','carol',NULL,2,'done','a','open',"
    "'2026-04-06T00:00:00Z','t','2026-04-07T00:00:00Z',NULL),"
    /* 7: P2 wont_do */
    "(7,'INC-2026-04-05-002','3',3,3,'a','[]',NULL,'2026-04-10',2,'wont_do','a','open',"
    "'2026-04-06T00:00:00Z','t','2026-04-08T00:00:00Z',NULL),"
    /* 8: P3 imported already done by an older tracker (closed_at = the import time): no known close
     * time, so neither on time nor late, and no time to close */
    "(8,'INC-2026-04-05-002','4',4,4,'a','[\"dave\"]','dave','2026-04-10',3,'done','a','done',"
    "'2026-04-06T00:00:00Z','t','2026-04-06T00:00:00Z',NULL),"
    /* 9: P0 open but removed from the document: counts nowhere */
    "(9,'INC-2026-04-05-002','5',5,5,'a','[\"erin\"]','erin','2026-04-01',0,'open','a','open',"
    "'2026-04-06T00:00:00Z','t',NULL,'2026-04-07T00:00:00Z'),"
    /* 10: P3 imported already done, as the importer writes it now: no close time */
    "(10,'INC-2026-04-05-002','6',6,6,'a','[\"dave\"]','dave','2026-04-10',3,'done','a','done',"
    "'2026-04-06T00:00:00Z','t',NULL,NULL);"
    "INSERT INTO events (item_id, incident_id, at, actor, source, kind, field, old, new) VALUES "
    "(3,'INC-2026-03-01-001','t','x','cli','slipped','due','2026-03-20','2026-04-01'),"
    "(5,'INC-2026-04-05-002','t','x','import','changed','due','2026-04-30','2026-04-20'),"
    "(5,'INC-2026-04-05-002','t','x','import','changed','due','2026-04-20','2026-04-25'),"
    "(5,'INC-2026-04-05-002','t','x','cli','changed','due',NULL,'2026-04-25'),"
    "(9,'INC-2026-04-05-002','t','x','cli','slipped','due','2026-03-01','2026-04-01');";

#endif
