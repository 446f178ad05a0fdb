// What must happen before anything opens a descriptor or holds a secret: it runs as an ELF constructor, so
// before Swift's main, libdispatch's epoll and Foundation.
#include "process_setup.h"

#include "ccurl.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static int setup_done = 0;

// Until the command takes signals over (Interrupts), a signal means nothing was sent yet: say so and end as the
// contract says (130), rather than die by the signal.
static void ar_early_signal(int number) {
    (void)number;
    static const char message[] = "actor-run: interrupted before any run was started\n";
    (void)!write(2, message, sizeof message - 1);
    _exit(130);
}

// A signal the parent left ignored is not meant for this process (nohup ignores SIGHUP; a non-interactive shell
// starts `command &` with SIGINT ignored): it stays ignored, and Interrupts leaves it so.
static void ar_catch_early(int number) {
    struct sigaction current;
    if (sigaction(number, NULL, &current) == 0 && current.sa_handler == SIG_IGN) {
        return;
    }
    signal(number, ar_early_signal);
}

// Whether the command line asks only for text the argument parser writes itself (help, version, completion
// scripts): such an invocation sends no request and needs no libcurl.
static int ar_asks_for_text(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "help") == 0) {
        return 1;
    }
    for (int index = 1; index < argc; index++) {
        const char *argument = argv[index];
        if (strcmp(argument, "-h") == 0 || strcmp(argument, "--help") == 0 || strcmp(argument, "--version") == 0
            || strncmp(argument, "--generate-", 11) == 0 || strncmp(argument, "--experimental-", 15) == 0) {
            return 1;
        }
    }
    return 0;
}

// A run holds a dozen descriptors at least (Dispatch's event and signal descriptors, libcurl's wake-up pair, its
// connections, the input and output files), a batch two more per run in flight (BatchCommand.descriptorBound
// counts on this floor of 32 and keeps its runs within the rest); and where one cannot be had, Dispatch
// traps and libcurl's request never ends. So the soft limit is raised as far as the hard one allows, as `ulimit -n`
// would, and a hard limit below the least this tool needs is one line and 69 before anything is sent.
enum { AR_LEAST_DESCRIPTORS = 32 };

static void ar_ensure_descriptors(void) {
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) != 0) {
        return;
    }
    if (files.rlim_cur < files.rlim_max) {
        struct rlimit raised = {files.rlim_max, files.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            files = raised;
        }
    }
    if (files.rlim_cur < AR_LEAST_DESCRIPTORS) {
        dprintf(2, "actor-run: only %llu files may be open at once (ulimit -n); actor-run needs at least %d\n",
            (unsigned long long)files.rlim_cur, AR_LEAST_DESCRIPTORS);
        _exit(69);
    }
}

// glibc passes argc and argv to constructors.
__attribute__((constructor)) static void ar_process_setup(int argc, char **argv) {
    // A closed stdin, stdout or stderr (`>&-`, `<&-`) would be reused by the next descriptor opened (an epoll, a
    // socket, the output file), and the run ID or a log line would land there: point them at /dev/null.
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1) {
            int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (opened >= 0 && opened != fd) {
                dup2(opened, fd);
                close(opened);
            }
        }
    }
    // The API token lives in this process's memory: no core dump may carry it, and no other process of the
    // same user may read it through ptrace or /proc/PID/mem.
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Until the command decides what a signal means, SIGINT, SIGTERM and SIGHUP wait (Interrupts takes them over
    // through Dispatch); a write to a closed pipe is an EPIPE to handle, not a silent death mid-write.
    signal(SIGPIPE, SIG_IGN);
    ar_catch_early(SIGINT);
    ar_catch_early(SIGTERM);
    ar_catch_early(SIGHUP);
    // A thread's signal mask survives fork and exec, and some programs start others with these blocked (a spawn
    // from a thread that blocks them, without resetting the mask): unblocked, they reach the handler above.
    // Dispatch takes them either way once the command arms its Interrupts.
    sigset_t interrupts;
    sigemptyset(&interrupts);
    sigaddset(&interrupts, SIGINT);
    sigaddset(&interrupts, SIGTERM);
    sigaddset(&interrupts, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &interrupts, NULL);
    // Every other command sends requests: libcurl loads on a thread of its own from here on, while the Swift
    // runtime starts and the arguments are parsed (CurlLibrary.load() waits for it before the first request).
    if (argv != NULL && !ar_asks_for_text(argc, argv)) {
        ar_ensure_descriptors();
        ar_curl_preload();
    }
    setup_done = 1;
}

int ar_process_setup_done(void) { return setup_done; }
