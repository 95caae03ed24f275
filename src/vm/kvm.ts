/**
 * Which accelerator runs the guest. KVM only where /dev/kvm is real hardware virtualisation:
 * the CPU advertises VMX (Intel) or SVM (AMD) and the device opens. Some hosts expose a
 * /dev/kvm backed by something else (the out-of-tree PVM module of nested sandboxes, with no
 * VMX/SVM flag), under which a stock kernel crawls and dies; there, and wherever KVM is not
 * usable, QEMU's software CPU (TCG) runs the guest: `-accel tcg,thread=multi -cpu max`.
 * THAW_VM_ACCEL=tcg|kvm overrides the detection (an image records the accelerator it was
 * built under, and restores under the same one).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { ThawError } from '../errors.js';

export type AccelKind = 'kvm' | 'tcg';

export interface Accel {
  kind: AccelKind;
  /** Why this one, for the build's report. */
  why: string;
}

export function accelArgs(kind: AccelKind): string[] {
  return kind === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
}

export function detectAccel(env = process.env.THAW_VM_ACCEL): Accel {
  if (env === 'tcg' || env === 'kvm') return { kind: env, why: `THAW_VM_ACCEL=${env}` };
  if (env) throw new ThawError('E_USAGE', `THAW_VM_ACCEL=${env} is not an accelerator thaw knows`, { hint: 'set THAW_VM_ACCEL=tcg or THAW_VM_ACCEL=kvm, or unset it to detect' });
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    /* no /proc: TCG */
  }
  const hw = /\b(vmx|svm)\b/.exec(flags)?.[1];
  let dev = false;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    dev = true;
  } catch {
    /* absent or not ours */
  }
  if (hw && dev) return { kind: 'kvm', why: `/dev/kvm with ${hw.toUpperCase()}` };
  if (dev) return { kind: 'tcg', why: '/dev/kvm without VMX/SVM (not hardware virtualisation): software CPU (TCG)' };
  return { kind: 'tcg', why: hw ? `${hw.toUpperCase()} but no usable /dev/kvm: software CPU (TCG)` : 'no hardware virtualisation: software CPU (TCG)' };
}

/** The host TSC rate in kHz (TCG cannot calibrate the guest's TSC: it is told). */
export function hostTscKhz(): number {
  try {
    const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]);
    if (mhz > 0) return Math.round(mhz * 1000);
  } catch {
    /* fall through */
  }
  return 2_000_000;
}
