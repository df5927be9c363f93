/**
 * A form's save or submission: in progress (disable the button, show progress), done ("Saved."), or failed (an
 * error to show with what to do next). One instance per form.
 */
export class SaveState {
  saving = $state(false);
  saved = $state(false);
  error = $state<unknown>();

  /** Forgets the last outcome (before validating again). */
  reset(): void {
    this.saved = false;
    this.error = undefined;
  }

  /** Runs `work`; true when it succeeded. Ignored (false) while a save is in progress. */
  async run(work: () => Promise<unknown>): Promise<boolean> {
    if (this.saving) return false;
    this.reset();
    this.saving = true;
    try {
      await work();
      this.saved = true;
      return true;
    } catch (caught) {
      this.error = caught;
      return false;
    } finally {
      this.saving = false;
    }
  }
}
