/* A static 32-bit (i386) program for tests/compat.rs: file, socket, memory and
 * id calls through i386's own syscalls (_llseek, socketcall, mmap2, getuid32).
 * Prints what it saw; exits 3. Usage: prog32 FILE [wait]: with "wait", reads a
 * byte of stdin before it exits (a tracer reading its memory late finds it there). */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    char buf[64] = {0};
    struct stat st;
    int fd = open(argv[1], O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int f = fstat(fd, &st);
    off_t at = lseek(fd, 2, SEEK_SET);
    char a1[2], a2[8];
    struct iovec rv[2] = {{a1, sizeof a1}, {a2, sizeof a2}};
    ssize_t rn = readv(fd, rv, 2); /* 32-bit iovecs */
    close(fd);
    struct iovec wv[2] = {{"wri", 3}, {"tev\n", 4}};
    ssize_t wn = writev(1, wv, 2);
    int missing = open("/nonexistent/prog32", O_RDONLY);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(1),
                            .sin_addr.s_addr = htonl(0x7f000001)};
    int c = connect(s, (struct sockaddr *)&a, sizeof a);
    close(s);
    char *big = malloc(1 << 20); /* mmap2 */
    memset(big, 1, 1 << 20);
    free(big); /* munmap */
    printf("read=%zd data=%s fstat=%d size=%lld lseek=%lld readv=%zd writev=%zd missing=%d "
           "connect=%d uid=%d\n",
           n, strtok(buf, "\n"), f, (long long)st.st_size, (long long)at, rn, wn, missing, c,
           (int)getuid());
    if (argc > 2) {
        char b;
        fflush(stdout);
        (void)!read(0, &b, 1);
    }
    return 3;
}
