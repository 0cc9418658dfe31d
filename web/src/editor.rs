//! The file editor: a plain textarea beside a line-number gutter. No editor library, so the
//! bundle stays small; lines do not wrap, which keeps the gutter aligned with the text.

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::engine::utf16_offset_of;

/// Must equal the editor's `line-height` in style.css: jumping to a line scrolls by it.
const LINE_HEIGHT_PX: f64 = 18.0;

/// A request to put the cursor at a position, or select up to `end` (line, column; the
/// teaching view's expression); `sequence` makes a repeated click on the same error jump
/// again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jump {
    pub line: usize,
    pub column: usize,
    pub end: Option<(usize, usize)>,
    /// Move the keyboard focus to the editor (not when the user is stepping through
    /// preview lines with the keyboard).
    pub focus: bool,
    pub sequence: u64,
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The text when the editor opens; afterwards the textarea owns it (remount with a new
    /// `key` to load other text).
    pub initial_text: AttrValue,
    pub on_input: Callback<String>,
    #[prop_or_default]
    pub jump: Option<Jump>,
}

fn line_numbers(count: usize) -> String {
    let mut numbers = String::with_capacity(count * 4);
    for n in 1..=count.max(1) {
        numbers.push_str(&n.to_string());
        numbers.push('\n');
    }
    numbers
}

fn count_lines(text: &str) -> usize {
    text.bytes().filter(|b| *b == b'\n').count() + 1
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let textarea = use_node_ref();
    let gutter = use_node_ref();
    let lines = use_state_eq(|| count_lines(&props.initial_text));

    let oninput = {
        let lines = lines.clone();
        let on_input = props.on_input.clone();
        Callback::from(move |event: InputEvent| {
            let Some(area) = event.target().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok()) else { return };
            let text = area.value();
            lines.set(count_lines(&text));
            on_input.emit(text);
        })
    };
    // The gutter has no scrollbar of its own: it follows the text.
    let onscroll = {
        let (textarea, gutter) = (textarea.clone(), gutter.clone());
        Callback::from(move |_: Event| {
            if let (Some(area), Some(numbers)) = (textarea.cast::<HtmlTextAreaElement>(), gutter.cast::<web_sys::HtmlElement>()) {
                numbers.set_scroll_top(area.scroll_top());
            }
        })
    };
    // YAML is indented with spaces: Tab inserts two instead of leaving the editor. Through
    // the editing command, so undo works and an `input` event fires as for typing.
    let onkeydown = Callback::from(|event: KeyboardEvent| {
        let plain = !(event.shift_key() || event.ctrl_key() || event.alt_key() || event.meta_key());
        if event.key() == "Tab" && plain {
            let document = web_sys::window().and_then(|w| w.document()).and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok());
            if let Some(document) = document {
                event.prevent_default();
                let _ = document.exec_command_with_show_ui_and_value("insertText", false, "  ");
            }
        }
    });
    {
        let textarea = textarea.clone();
        use_effect_with(props.jump, move |jump| {
            if let (Some(jump), Some(area)) = (jump, textarea.cast::<HtmlTextAreaElement>()) {
                let text = area.value();
                let offset = utf16_offset_of(&text, jump.line, jump.column) as u32;
                let end = jump.end.map_or(offset, |(line, column)| utf16_offset_of(&text, line, column) as u32);
                if jump.focus {
                    let _ = area.focus();
                }
                let _ = area.set_selection_range(offset, end.max(offset));
                // Show the line with a few lines of context above it.
                let top = (jump.line.saturating_sub(4) as f64) * LINE_HEIGHT_PX;
                area.set_scroll_top(top as i32);
            }
        });
    }

    html! {
        <div class="editor">
            <pre class="gutter" ref={gutter} aria-hidden="true">{ line_numbers(*lines) }</pre>
            <textarea id="editor-text" ref={textarea} spellcheck="false" wrap="off"
                autocomplete="off" defaultvalue={props.initial_text.clone()} {oninput} {onscroll} {onkeydown} />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gutter_numbers_every_line() {
        assert_eq!(line_numbers(count_lines("a\nb")), "1\n2\n");
        assert_eq!(line_numbers(count_lines("")), "1\n");
        assert_eq!(count_lines("a\n"), 2);
    }
}
