import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder as placeholderText } from '@codemirror/view';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

// CodeMirror and its Yjs binding: a chunk of their own (about 60 KB gzipped), which PromptEditor
// fetches once the workspace is on screen, so the page's first load does not carry them.

export interface PromptEditorOptions {
  id: string;
  label: string;
  text: Y.Text;
  awareness: Awareness;
  readOnly: boolean;
  placeholder: string;
  minLines: number;
  onSubmit: (() => void) | undefined;
}

export interface MountedPromptEditor {
  /** Focuses the editor, with the selection at these offsets of the text when given. */
  focus(selection?: { anchor: number; head: number }): void;
  destroy(): void;
}

/** CodeMirror 6 in `parent`, bound to the shared Y.Text, with the others' cursors and names. Mod-Enter submits. */
export function mountPromptEditor(parent: HTMLElement, options: PromptEditorOptions): MountedPromptEditor {
  const { id, label, text, awareness, readOnly, placeholder, minLines, onSubmit } = options;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text.toJSON(),
      extensions: [
        keymap.of([
          {
            key: 'Mod-Enter',
            run: () => {
              onSubmit?.();
              return true;
            },
          },
          ...yUndoManagerKeymap,
        ]),
        yCollab(text, awareness),
        EditorView.lineWrapping,
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        placeholderText(placeholder),
        EditorView.contentAttributes.of({ 'aria-label': label, 'aria-multiline': 'true', id, 'data-testid': id }),
        EditorView.theme({ '.cm-content': { minHeight: `${String(minLines * 1.5)}em` } }),
      ],
    }),
  });
  return {
    focus: (selection) => {
      if (selection !== undefined) {
        const length = view.state.doc.length;
        view.dispatch({ selection: { anchor: Math.min(selection.anchor, length), head: Math.min(selection.head, length) } });
      }
      view.focus();
    },
    destroy: () => {
      view.destroy();
    },
  };
}
