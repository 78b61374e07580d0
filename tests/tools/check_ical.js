#!/usr/bin/env node
// check_ical.js FILE [events|todo] — parses an iCalendar feed with ical.js (Mozilla's parser, the one
// Thunderbird uses) and checks what tracker promises: CRLF line ends, lines of at most 75 octets,
// the calendar properties, and per component UID, DTSTAMP, SEQUENCE, SUMMARY and DATE-valued
// DTSTART/DTEND (events, DTEND = DTSTART + 1 day) or DUE and STATUS (todos).
// ical.js is found in tests/node_modules (npm install --prefix tests).
'use strict';
const fs = require('fs');
const path = require('path');

function fail(msg) {
  console.error('check_ical.js: ' + msg);
  process.exit(1);
}

const file = process.argv[2];
const flavour = process.argv[3] || 'events';
if (!file) fail('usage: check_ical.js FILE [events|todo]');
let ICAL;
try {
  ICAL = require(require.resolve('ical.js', { paths: [path.join(__dirname, '..')] }));
} catch (e) {
  console.error('check_ical.js: ical.js not installed (npm install --prefix tests): ' + e.message);
  process.exit(77);
}
const raw = fs.readFileSync(file);
const text = raw.toString('utf8');
if (Buffer.compare(Buffer.from(text, 'utf8'), raw) !== 0) fail('not valid UTF-8');
if (!text.endsWith('\r\n')) fail('does not end with CRLF');
const lines = raw.toString('latin1').split('\r\n');
lines.pop();
lines.forEach((l, i) => {
  if (l.includes('\n') || l.includes('\r')) fail(`line ${i + 1}: bare CR or LF`);
  if (Buffer.byteLength(l, 'latin1') > 75) fail(`line ${i + 1}: ${l.length} octets (> 75)`);
});

const cal = new ICAL.Component(ICAL.parse(text));
if (cal.name !== 'vcalendar') fail('top component is ' + cal.name);
const want = { version: '2.0', calscale: 'GREGORIAN', method: 'PUBLISH', 'x-published-ttl': 'PT1H' };
for (const [k, v] of Object.entries(want)) {
  if (String(cal.getFirstPropertyValue(k)) !== v) fail(`${k} is ${cal.getFirstPropertyValue(k)}, want ${v}`);
}
for (const k of ['prodid', 'name', 'x-wr-calname', 'refresh-interval']) {
  if (!cal.getFirstProperty(k)) fail('missing ' + k);
}
if (String(cal.getFirstPropertyValue('refresh-interval')) !== 'PT1H') fail('REFRESH-INTERVAL is not PT1H');

const comps = cal.getAllSubcomponents(flavour === 'todo' ? 'vtodo' : 'vevent');
const other = cal.getAllSubcomponents(flavour === 'todo' ? 'vevent' : 'vtodo');
if (other.length) fail('unexpected components of the other flavour');
const uids = new Set();
for (const c of comps) {
  const uid = c.getFirstPropertyValue('uid');
  if (!uid || uids.has(uid)) fail('missing or duplicate UID ' + uid);
  uids.add(uid);
  for (const k of ['dtstamp', 'last-modified', 'sequence', 'summary', 'description']) {
    if (!c.getFirstProperty(k)) fail(`${uid}: missing ${k}`);
  }
  if (flavour === 'todo') {
    const due = c.getFirstProperty('due');
    if (due && due.type !== 'date') fail(`${uid}: DUE is ${due.type}, want date`);
    const st = c.getFirstPropertyValue('status');
    if (!['NEEDS-ACTION', 'IN-PROCESS', 'COMPLETED', 'CANCELLED'].includes(st)) fail(`${uid}: STATUS ${st}`);
  } else {
    const s = c.getFirstProperty('dtstart');
    const e = c.getFirstProperty('dtend');
    if (!s || s.type !== 'date' || !e || e.type !== 'date') fail(`${uid}: DTSTART/DTEND must be DATE`);
    const next = s.getFirstValue().clone();
    next.adjust(1, 0, 0, 0);
    if (next.compare(e.getFirstValue()) !== 0) fail(`${uid}: DTEND is not the day after DTSTART`);
    if (c.getFirstPropertyValue('transp') !== 'TRANSPARENT') fail(`${uid}: TRANSP is not TRANSPARENT`);
  }
}
console.log(`check_ical.js: ${comps.length} ${flavour === 'todo' ? 'VTODO' : 'VEVENT'} components OK`);
