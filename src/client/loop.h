/* The client's one event loop: file descriptors, timers and signals, all
 * driven from a single poll(2) (no threads).  The network registers its
 * sockets and curl's timer here; the desk adds the terminal, and later
 * parts (a softphone's socket, a mail watch) add theirs the same way.
 *
 * Every callback runs from loop_once, never from the function that
 * registered it.  From a callback the caller may add or remove any fd,
 * timer or signal, including its own; it must not call loop_once or
 * loop_free on the same loop. */
#ifndef GUICHET_CLIENT_LOOP_H
#define GUICHET_CLIENT_LOOP_H

#include <stdint.h>

struct loop;

/* revents as poll(2) sets them (POLLIN, POLLOUT, POLLHUP…). */
typedef void (*loop_fd_fn)(void *arg, int fd, short revents);
/* id: what loop_timer_add returned; the timer is already gone. */
typedef void (*loop_timer_fn)(void *arg, int id);
typedef void (*loop_signal_fn)(void *arg, int signo);

/* A new loop, released by the caller with loop_free; NULL when memory ran out. */
struct loop *loop_new(void);
/* Signals handled by l go back to their default; fds stay the caller's to
 * close.  NULL is fine. */
void loop_free(struct loop *l);

/* Watch fd for events (POLLIN, POLLOUT): adds it, or changes the events
 * and callback when already watched.  Returns 0, or -1 (bad fd, memory). */
int loop_fd_set(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg);
/* Stop watching fd (nothing when it was not watched). */
void loop_fd_del(struct loop *l, int fd);

/* Call fn(arg, id) once, after_ms from now (<= 0: at the next turn).
 * Returns the timer's id (> 0), or -1 when memory ran out. */
int loop_timer_add(struct loop *l, int64_t after_ms, loop_timer_fn fn, void *arg);
/* Cancel a timer that has not fired (nothing when it has, or id <= 0). */
void loop_timer_del(struct loop *l, int id);

/* Call fn(arg, signo) from the loop each time signo arrives (SIGWINCH,
 * SIGTERM…): the handler only writes a byte to a pipe the loop watches.
 * One loop per process handles signals.  Returns 0 or -1. */
int loop_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);
/* Stop handling signo (back to its default action); nothing when it was
 * not handled. */
void loop_signal_del(struct loop *l, int signo);

/* One turn: wait at most max_wait_ms (negative: until something happens)
 * for an fd, a timer, a signal or loop_wakeup, then run the callbacks of
 * what happened.  Returns how many callbacks ran, or -1 when poll failed
 * for another reason than a signal. */
int loop_once(struct loop *l, int max_wait_ms);

/* Make a loop_once in progress (or the next one) return at once. Safe
 * from a signal handler. */
void loop_wakeup(struct loop *l);

/* Milliseconds on the monotonic clock: the time base of every timer and
 * of the outbox's retries. */
int64_t loop_now_ms(void);

#endif
