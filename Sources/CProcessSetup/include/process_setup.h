#ifndef ACTOR_RUN_PROCESS_SETUP_H
#define ACTOR_RUN_PROCESS_SETUP_H

/// Whether the process set-up ran before main (it runs as a constructor, ahead of the Swift runtime, Dispatch
/// and Foundation, which open descriptors of their own). Calling it keeps the object file linked in.
int ar_process_setup_done(void);

#endif
