import { collabSettingKeys, type CollabMaskStroke, type CollabSettings } from '@atelier/contracts';
import * as Y from 'yjs';
import { collabFields } from '../collab/fields.js';

// The one list of setting keys, shared with the server's reading of the same document.
const settingKeys = collabSettingKeys;

/**
 * Runes over a workspace's Yjs document: the settings map and the prompt text as plain state that
 * follows every change (mine or others'), and writes that go through the document.
 */
export class DocumentState {
  settings = $state<CollabSettings>({});
  prompt = $state('');
  negativePrompt = $state('');
  /** Bumped on every mask change, for things derived from the strokes. */
  maskRevision = $state(0);
  readonly settingsMap: Y.Map<unknown>;
  readonly promptText: Y.Text;
  readonly negativePromptText: Y.Text;
  readonly mask: Y.Array<CollabMaskStroke>;
  private readonly doc: Y.Doc;
  private readonly stop: () => void;

  constructor(doc: Y.Doc) {
    this.doc = doc;
    this.settingsMap = doc.getMap<unknown>(collabFields.settings);
    this.promptText = doc.getText(collabFields.prompt);
    this.negativePromptText = doc.getText(collabFields.negativePrompt);
    this.mask = doc.getArray<CollabMaskStroke>(collabFields.mask);
    const readSettings = (): void => {
      this.settings = readSettingsOf(this.settingsMap);
    };
    const readPrompt = (): void => {
      this.prompt = this.promptText.toJSON();
    };
    const readNegative = (): void => {
      this.negativePrompt = this.negativePromptText.toJSON();
    };
    const bumpMask = (): void => {
      this.maskRevision += 1;
    };
    this.settingsMap.observe(readSettings);
    this.promptText.observe(readPrompt);
    this.negativePromptText.observe(readNegative);
    this.mask.observe(bumpMask);
    readSettings();
    readPrompt();
    readNegative();
    this.stop = () => {
      this.settingsMap.unobserve(readSettings);
      this.promptText.unobserve(readPrompt);
      this.negativePromptText.unobserve(readNegative);
      this.mask.unobserve(bumpMask);
    };
  }

  /** Sets some settings and removes others (`undefined`), in one shared change. */
  update(changes: Partial<Record<keyof CollabSettings, unknown>>): void {
    this.doc.transact(() => {
      for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) this.settingsMap.delete(key);
        else this.settingsMap.set(key, value);
      }
    });
  }

  /** Replaces the prompts and every setting in one shared change (a hand-off from the gallery, or its undo). */
  replaceAll(values: { prompt: string; negativePrompt: string; settings: Partial<Record<keyof CollabSettings, unknown>> }, also?: () => void): void {
    this.doc.transact(() => {
      this.replaceText(this.promptText, values.prompt);
      this.replaceText(this.negativePromptText, values.negativePrompt);
      const cleared = Object.fromEntries([...this.settingsMap.keys()].map((key) => [key, undefined]));
      this.update({ ...cleared, ...values.settings });
      also?.();
    });
  }

  /** Replaces a text (a hand-off from the gallery). */
  replaceText(text: Y.Text, value: string): void {
    this.doc.transact(() => {
      text.delete(0, text.length);
      text.insert(0, value);
    });
  }

  destroy(): void {
    this.stop();
  }
}

function readSettingsOf(map: Y.Map<unknown>): CollabSettings {
  const settings: Record<string, unknown> = {};
  for (const key of settingKeys) {
    const value = map.get(key);
    if (value !== undefined && value !== null) settings[key] = value;
  }
  return settings;
}
