/*
 * scheduler — reminder policy, durable outbox and the service loop.
 *
 * Not built yet: this header marks the module's place in the layout. It arrives with issue 5.
 */
#ifndef SCHEDULER_H
#define SCHEDULER_H
#endif
