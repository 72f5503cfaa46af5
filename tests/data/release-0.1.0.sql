BEGIN TRANSACTION;
CREATE TABLE action (
	id INTEGER NOT NULL, 
	series_slug VARCHAR(100) NOT NULL, 
	number INTEGER NOT NULL, 
	meeting_id INTEGER NOT NULL, 
	item_id INTEGER, 
	author_id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	done_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (series_slug, number), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id), 
	FOREIGN KEY(item_id) REFERENCES item (id)
);
INSERT INTO "action" VALUES(1,'demo',1,1,1,1,'@**Othello** @**Hamlet** write the ideas page','2025-02-12 17:00:00.000000',NULL);
CREATE TABLE action_owner (
	action_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (action_id, user_id), 
	FOREIGN KEY(action_id) REFERENCES action (id)
);
INSERT INTO "action_owner" VALUES(1,2,0);
INSERT INTO "action_owner" VALUES(1,1,1);
CREATE TABLE attendance (
	id INTEGER NOT NULL, 
	meeting_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	said_here BOOLEAN NOT NULL, 
	first_seen DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (meeting_id, user_id), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id)
);
INSERT INTO "attendance" VALUES(1,1,-1,1,'2025-02-12 17:00:00.000000');
INSERT INTO "attendance" VALUES(2,2,1,1,'2025-02-19 16:59:00.000000');
CREATE TABLE attendance_reaction (
	meeting_id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	reaction_type VARCHAR(30) NOT NULL, 
	emoji_code VARCHAR(100) NOT NULL, 
	PRIMARY KEY (meeting_id, user_id, reaction_type, emoji_code), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id)
);
CREATE TABLE decision (
	id INTEGER NOT NULL, 
	meeting_id INTEGER NOT NULL, 
	item_id INTEGER, 
	author_id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id), 
	FOREIGN KEY(item_id) REFERENCES item (id)
);
INSERT INTO "decision" VALUES(1,1,1,1,'We apply as one org','2025-02-12 17:00:00.000000');
CREATE TABLE handled_message (
	message_id INTEGER NOT NULL, 
	handled_at DATETIME NOT NULL, 
	PRIMARY KEY (message_id)
);
INSERT INTO "handled_message" VALUES(2,'2025-02-12 16:00:00.000000');
INSERT INTO "handled_message" VALUES(4,'2025-02-12 16:00:00.000000');
INSERT INTO "handled_message" VALUES(6,'2025-02-12 16:00:00.000000');
INSERT INTO "handled_message" VALUES(9,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(11,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(13,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(15,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(17,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(19,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(21,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(23,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(25,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(27,'2025-02-12 17:00:00.000000');
INSERT INTO "handled_message" VALUES(31,'2025-02-19 16:59:00.000000');
INSERT INTO "handled_message" VALUES(34,'2025-02-19 16:59:00.000000');
INSERT INTO "handled_message" VALUES(36,'2025-02-19 16:59:00.000000');
INSERT INTO "handled_message" VALUES(39,'2025-02-19 16:59:00.000000');
CREATE TABLE item (
	id INTEGER NOT NULL, 
	meeting_id INTEGER NOT NULL, 
	parent_id INTEGER, 
	number VARCHAR(50) NOT NULL, 
	section VARCHAR(200) NOT NULL, 
	text TEXT NOT NULL, 
	proposer_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	done BOOLEAN NOT NULL, 
	removed BOOLEAN NOT NULL, 
	"deferred" BOOLEAN NOT NULL, 
	carried_from_id INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (meeting_id, number), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id), 
	FOREIGN KEY(parent_id) REFERENCES item (id)
);
INSERT INTO "item" VALUES(1,1,NULL,'1','New Agenda Items','Announce GSOC ideas',1,1,1,0,0,NULL,'2025-02-12 16:00:00.000000');
INSERT INTO "item" VALUES(2,1,1,'1.1','New Agenda Items','Submitted for `conda` org',1,1,0,0,0,NULL,'2025-02-12 16:00:00.000000');
INSERT INTO "item" VALUES(3,1,NULL,'2','New Agenda Items','Release 25.1',2,2,1,0,0,NULL,'2025-02-12 16:00:00.000000');
CREATE TABLE meeting (
	id INTEGER NOT NULL, 
	series_slug VARCHAR(100) NOT NULL, 
	occurrence_start DATETIME NOT NULL, 
	scheduled_start DATETIME NOT NULL, 
	cancelled BOOLEAN NOT NULL, 
	started_at DATETIME, 
	ended_at DATETIME, 
	attendance_message_id INTEGER, 
	notes_file TEXT, 
	current_item_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (series_slug, occurrence_start), 
	FOREIGN KEY(current_item_id) REFERENCES item (id)
);
INSERT INTO "meeting" VALUES(1,'demo','2025-02-12 17:00:00.000000','2025-02-12 17:00:00.000000',0,'2025-02-12 17:00:00.000000','2025-02-12 17:00:00.000000',8,'/tmp/rel/notes/2025-02-12-demo.md',3);
INSERT INTO "meeting" VALUES(2,'demo','2025-02-19 17:00:00.000000','2025-02-19 17:00:00.000000',0,'2025-02-19 16:59:00.000000','2025-02-19 16:59:00.000000',32,'/tmp/rel/notes/2025-02-19-demo.md',NULL);
INSERT INTO "meeting" VALUES(3,'demo','2025-02-26 17:00:00.000000','2025-02-26 17:00:00.000000',1,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "meeting" VALUES(4,'demo','2025-03-05 17:00:00.000000','2025-03-05 17:00:00.000000',0,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE note (
	id INTEGER NOT NULL, 
	item_id INTEGER NOT NULL, 
	author_id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(item_id) REFERENCES item (id)
);
INSERT INTO "note" VALUES(1,1,1,'Better chance with one idea per org','2025-02-12 17:00:00.000000');
CREATE TABLE person (
	user_id INTEGER NOT NULL, 
	full_name VARCHAR(200) NOT NULL, 
	initials VARCHAR(20), 
	affiliation VARCHAR(200) NOT NULL, 
	github VARCHAR(100) NOT NULL, 
	zulip_affiliation VARCHAR(200) NOT NULL, 
	zulip_github VARCHAR(100) NOT NULL, 
	is_guest BOOLEAN NOT NULL, 
	PRIMARY KEY (user_id)
);
INSERT INTO "person" VALUES(-1,'Sam Doe',NULL,'','','','',1);
INSERT INTO "person" VALUES(1,'hamlet',NULL,'Denmark Inc','','','',0);
INSERT INTO "person" VALUES(2,'othello',NULL,'','','','',0);
CREATE TABLE reply (
	message_id INTEGER NOT NULL, 
	content TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	posted_id INTEGER, 
	PRIMARY KEY (message_id)
);
INSERT INTO "reply" VALUES(2,'Added item **1** to **New Agenda Items** for <time:2025-02-12T17:00:00+00:00>: Announce GSOC ideas','2025-02-12 16:00:00.000000',NULL);
INSERT INTO "reply" VALUES(4,'Added item **1.1** under item 1: Submitted for `conda` org','2025-02-12 16:00:00.000000',NULL);
INSERT INTO "reply" VALUES(6,'Added item **2** to **New Agenda Items** for <time:2025-02-12T17:00:00+00:00>: Release 25.1','2025-02-12 16:00:00.000000',NULL);
INSERT INTO "reply" VALUES(9,'Sorry: only a chair of **Demo Community Meeting** (or an organization admin) can `start` a meeting.','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(11,'Marked Sam Doe present.','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(13,'Now discussing item **1**.','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(15,'Noted under item **1**.','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(17,'Recorded the decision under item **1**: We apply as one org','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(19,'Recorded action item **#1** under item **1**, owned by othello, hamlet.','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(21,'Your row in the attendees table:
- Name: hamlet
- Initials: H
- Affiliation: Denmark Inc
- GitHub: _(not set)_
Change one with `profile initials X`, `profile affiliation X` or `profile github X`.','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(23,'Now discussing item **2** (item 1 ticked).','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(25,'Sorry: I don''t know the command `defer`. Say `help` for the list.','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "reply" VALUES(31,'Started **Demo Community Meeting**: the attendance message is in #**community>community call 2025-02-19**.','2025-02-19 16:59:00.000000',NULL);
INSERT INTO "reply" VALUES(34,'Sorry: I don''t know the command `done`. Say `help` for the list.','2025-02-19 16:59:00.000000',NULL);
INSERT INTO "reply" VALUES(36,'Ended **Demo Community Meeting**; the summary is in #**community>community call 2025-02-19** and the notes are in `2025-02-19-demo.md`.','2025-02-19 16:59:00.000000',NULL);
INSERT INTO "reply" VALUES(39,'**Demo Community Meeting** of <time:2025-02-26T17:00:00+00:00> is cancelled. The next one is <time:2025-03-05T17:00:00+00:00> in #**community>community call 2025-03-05**.','2025-02-19 16:59:00.000000',NULL);
CREATE TABLE sent_action (
	"key" VARCHAR(300) NOT NULL, 
	series_slug VARCHAR(100) NOT NULL, 
	outcome VARCHAR(20) NOT NULL, 
	due_at DATETIME NOT NULL, 
	done_at DATETIME NOT NULL, 
	message_id INTEGER, 
	PRIMARY KEY ("key")
);
INSERT INTO "sent_action" VALUES('demo|20250212T170000Z|20250212T170000Z|reminder|86400','demo','dropped','2025-02-11 17:00:00.000000','2025-02-12 16:00:00.000000',NULL);
INSERT INTO "sent_action" VALUES('demo|20250212T170000Z|20250212T170000Z|reminder|3600','demo','posted','2025-02-12 16:00:00.000000','2025-02-12 16:00:00.000000',1);
INSERT INTO "sent_action" VALUES('demo|20250212T170000Z|20250212T170000Z|start|0','demo','posted','2025-02-12 17:00:00.000000','2025-02-12 17:00:00.000000',NULL);
INSERT INTO "sent_action" VALUES('demo|20250212T170000Z|20250212T170000Z|end|10800','demo','dropped','2025-02-12 21:00:00.000000','2025-02-12 21:00:00.000000',NULL);
INSERT INTO "sent_action" VALUES('demo|20250219T170000Z|20250219T170000Z|reminder|86400','demo','posted','2025-02-18 17:00:00.000000','2025-02-18 17:00:00.000000',29);
INSERT INTO "sent_action" VALUES('demo|20250219T170000Z|20250219T170000Z|reminder|3600','demo','posted','2025-02-19 16:00:00.000000','2025-02-19 16:00:00.000000',30);
CREATE INDEX ix_meeting_series_slug ON meeting (series_slug);
CREATE INDEX ix_meeting_attendance_message_id ON meeting (attendance_message_id);
CREATE INDEX ix_meeting_series_start ON meeting (series_slug, scheduled_start);
CREATE INDEX ix_meeting_scheduled_start ON meeting (scheduled_start);
CREATE INDEX ix_sent_action_series_slug ON sent_action (series_slug);
CREATE INDEX ix_reply_created_at ON reply (created_at);
CREATE INDEX ix_item_meeting_id ON item (meeting_id);
CREATE INDEX ix_attendance_meeting_id ON attendance (meeting_id);
CREATE INDEX ix_note_item_id ON note (item_id);
CREATE INDEX ix_decision_meeting_id ON decision (meeting_id);
CREATE INDEX ix_action_series_slug ON action (series_slug);
CREATE INDEX ix_action_meeting_id ON action (meeting_id);
COMMIT;
