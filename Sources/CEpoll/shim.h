// Linux's epoll, which Swift's Glibc module leaves out; used by the HTTP load generator.
#include <sys/epoll.h>
