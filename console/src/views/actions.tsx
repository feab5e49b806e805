/** A write button that asks for a reason first, sends the write, and reports the outcome. */
import { useState } from 'preact/hooks';
import { errorText, session } from '../api';
import { useSubscription } from '../ui';

export function ReasonAction({
  label,
  confirmLabel,
  danger = false,
  run,
  done,
}: {
  /** The button, e.g. "Pull out". */
  label: string;
  /** The confirm button, e.g. "Confirm pull-out of i2". */
  confirmLabel: string;
  danger?: boolean;
  run: (reason: string) => Promise<unknown>;
  done: (message: string | null, error: string | null) => void;
}) {
  useSubscription(session.subscribe);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const signedIn = session.signedIn();
  if (!open) {
    return (
      <button type="button" class={danger ? 'danger' : ''} disabled={!signedIn} title={signedIn ? undefined : 'Sign in to make changes'} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  }
  return (
    <form
      class="reason"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        run(reason).then(
          () => {
            setBusy(false);
            setOpen(false);
            setReason('');
            done(`${confirmLabel.replace(/^Confirm /, '')}: done.`, null);
          },
          (err: unknown) => {
            setBusy(false);
            done(null, errorText(err));
          },
        );
      }}
      onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
    >
      <label>
        Reason
        <input autoFocus value={reason} placeholder="why (kept in the audit log)" onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
      <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy}>
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
