/*
 * notify — delivery channels (e-mail, webhooks, iCalendar).
 *
 * Not built yet: this header marks the module's place in the layout. The channels arrive with issue 4.
 */
#ifndef NOTIFY_H
#define NOTIFY_H
#endif
