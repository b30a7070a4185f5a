/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irqlog.so: an LD_PRELOAD observer for the lab.  It passes every ioctl()
 * through to the kernel unchanged and, for KVM_IRQ_LINE, appends one line
 * to the file named by $IRQLOG:
 *     type=T vcpu2=V2 vcpu=V irq=I level=L ret=R errno=E
 * decoded with the layout of Documentation/virt/kvm/api.rst (KVM_IRQ_LINE
 * on arm64: bits 31-28 vcpu2_index, 27-24 irq_type, 23-16 vcpu_index,
 * 15-0 irq_id).  It injects nothing and changes no result.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int ioctl_fn(int, unsigned long, ...);

int ioctl(int fd, unsigned long req, ...)
{
    static ioctl_fn *real;
    static int logfd = -2;
    va_list ap;
    void *arg;
    int ret, err;

    va_start(ap, req);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (!real) {
        real = (ioctl_fn *)dlsym(RTLD_NEXT, "ioctl");
    }
    ret = real(fd, req, arg);
    err = errno;
    if (req == KVM_IRQ_LINE && arg) {
        const struct kvm_irq_level *l = arg;
        char buf[160];
        int n;

        if (logfd == -2) {
            const char *path = getenv("IRQLOG");

            logfd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
        }
        if (logfd >= 0) {
            n = snprintf(buf, sizeof(buf),
                         "type=%u vcpu2=%u vcpu=%u irq=%u level=%u ret=%d errno=%d\n",
                         (l->irq >> 24) & 0xf, l->irq >> 28, (l->irq >> 16) & 0xff,
                         l->irq & 0xffff, l->level, ret, ret < 0 ? err : 0);
            if (write(logfd, buf, n) < 0) {
                /* nothing to do: the log is best effort */
            }
        }
    }
    errno = err;
    return ret;
}
