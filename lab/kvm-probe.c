// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kvm-probe: print a few KVM capabilities of the kernel it runs on, asked
 * with KVM_CHECK_EXTENSION both on /dev/kvm (system) and on a fresh VM
 * (arm64 answers some, e.g. the vCPU limits, per VM).  Built static for
 * arm64 by lab/initramfs.sh and put in the lab's initramfs as
 * /usr/bin/kvm-probe.  Output, one line each, "NAME (NUMBER): system=N vm=N",
 * then "kvm-probe: ok".  Exit status 1 when /dev/kvm cannot be used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

/* The numbers of include/uapi/linux/kvm.h, should the headers be older. */
#ifndef KVM_CAP_NR_VCPUS
#define KVM_CAP_NR_VCPUS 9
#endif
#ifndef KVM_CAP_MAX_VCPUS
#define KVM_CAP_MAX_VCPUS 66
#endif
#ifndef KVM_CAP_MAX_VCPU_ID
#define KVM_CAP_MAX_VCPU_ID 128
#endif
#ifndef KVM_CAP_ARM_IRQ_LINE_LAYOUT_2
#define KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 174
#endif

static const struct {
    const char *name;
    int cap;
} caps[] = {
    { "KVM_CAP_ARM_IRQ_LINE_LAYOUT_2", KVM_CAP_ARM_IRQ_LINE_LAYOUT_2 },
    { "KVM_CAP_MAX_VCPUS", KVM_CAP_MAX_VCPUS },
    { "KVM_CAP_MAX_VCPU_ID", KVM_CAP_MAX_VCPU_ID },
    { "KVM_CAP_NR_VCPUS", KVM_CAP_NR_VCPUS },
};

int main(void)
{
    int kvm, vm, api;
    unsigned i;

    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        fprintf(stderr, "kvm-probe: error: /dev/kvm: %s\n", strerror(errno));
        return 1;
    }
    api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    printf("KVM_GET_API_VERSION: %d\n", api);
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        fprintf(stderr, "kvm-probe: warning: KVM_CREATE_VM: %s\n", strerror(errno));
    }
    for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        int sys = ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].cap);
        printf("%s (%d): system=%d", caps[i].name, caps[i].cap, sys);
        if (vm >= 0) {
            printf(" vm=%d", ioctl(vm, KVM_CHECK_EXTENSION, caps[i].cap));
        }
        printf("\n");
    }
    if (vm >= 0) {
        close(vm);
    }
    close(kvm);
    printf("kvm-probe: ok\n");
    return api == KVM_API_VERSION ? 0 : 1;
}
