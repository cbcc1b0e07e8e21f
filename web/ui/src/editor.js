// The PromQL editor: CodeMirror 6 with codemirror-promql (highlighting, inline parse errors,
// completion of functions, metric names, label names and values through promlet's own API).
import { EditorState, Prec } from '@codemirror/state';
import { EditorView, keymap, placeholder, drawSelection, highlightSpecialChars } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from '@codemirror/commands';
import { autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { linter, lintKeymap } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';
import { PREFIX, ApiError, apiGet } from './api.js';

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--hl-keyword)' },
  { tag: [tags.function(tags.variableName), tags.function(tags.name)], color: 'var(--hl-func)' },
  { tag: tags.labelName, color: 'var(--hl-label)' },
  { tag: tags.string, color: 'var(--hl-string)' },
  { tag: tags.number, color: 'var(--hl-number)' },
  { tag: tags.operator, color: 'var(--hl-op)' },
  { tag: [tags.modifier, tags.bool], color: 'var(--hl-keyword)' },
  { tag: tags.comment, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--error)' },
]);

const theme = EditorView.theme({
  '&': { fontSize: '14px', background: 'var(--input-bg)', color: 'var(--fg)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.6' },
  '.cm-content': { padding: '4px 0', caretColor: 'var(--fg)' },
  '.cm-tooltip': { background: 'var(--panel-bg)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { background: 'var(--accent)', color: '#fff' },
  '.cm-completionDetail': { color: 'var(--muted)', marginLeft: '1em' },
  '.cm-tooltip-autocomplete ul li[aria-selected] .cm-completionDetail': { color: 'inherit' },
  '.cm-diagnostic-error': { borderLeft: '4px solid var(--error)' },
  '.cm-placeholder': { color: 'var(--muted)' },
});

// One completion client for every editor: the cache of metric names is shared.
const promql = new PromQLExtension()
  .activateCompletion(true)
  .activateLinter(true)
  .setComplete({
    remote: {
      url: window.location.origin + PREFIX,
      httpMethod: 'GET',
      lookbackInterval: 12 * 60 * 60 * 1000,
      cache: { maxAge: 5 * 60 * 1000 },
      httpErrorHandler: () => {},
    },
    maxMetricsMetadata: 10000,
  });

// promlet's own parser (/api/v1/parse_query) checks what codemirror-promql's parser accepts, so
// an expression promlet would refuse is marked before it runs. Expressions the local parser
// already marks are not sent (no request per keystroke of a broken expression).
const localLint = promql.getLinter().promQL();

export function diagnosticFromError(doc, message) {
  const m = /(\d+):(\d+): (.*)$/s.exec(message);
  if (!m) return { from: 0, to: doc.length, severity: 'error', message, source: 'promlet' };
  const lineNo = Math.min(Math.max(parseInt(m[1], 10), 1), doc.lines);
  const line = doc.line(lineNo);
  const from = Math.min(line.from + Math.max(parseInt(m[2], 10) - 1, 0), doc.length);
  return { from, to: Math.min(from + 1, doc.length), severity: 'error', message: m[3], source: 'promlet' };
}

async function serverLint(view) {
  const expr = view.state.doc.toString();
  if (!expr.trim()) return [];
  const local = await localLint(view);
  if (local.some((d) => d.severity === 'error')) return [];
  try {
    await apiGet('parse_query', { query: expr });
    return [];
  } catch (e) {
    if (!(e instanceof ApiError) || e.type !== 'bad_data' || view.state.doc.toString() !== expr) return [];
    return [diagnosticFromError(view.state.doc, e.message.replace(/^invalid parameter "query": /, ''))];
  }
}

// onExecute runs on Enter and Shift+Enter (Alt+Enter inserts a line break); onChange gets the text.
export function createEditor(parent, { doc, onChange, onExecute }) {
  const execute = () => {
    onExecute();
    return true;
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        highlightSpecialChars(),
        history(),
        drawSelection(),
        bracketMatching(),
        closeBrackets(),
        autocompletion({ activateOnTyping: true }),
        EditorView.lineWrapping,
        placeholder('Expression (Enter or Shift+Enter to execute)'),
        syntaxHighlighting(highlight),
        theme,
        promql.asExtension(),
        linter(serverLint, { delay: 600 }),
        Prec.highest(keymap.of([
          { key: 'Enter', run: execute },
          { key: 'Shift-Enter', run: execute },
          { key: 'Alt-Enter', run: insertNewlineAndIndent },
        ])),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return view;
}

export function setEditorText(view, text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

export function insertAtCursor(view, text) {
  const { from, to } = view.state.selection.main;
  view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length } });
  view.focus();
}
