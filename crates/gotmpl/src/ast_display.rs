//! `Display` for the parse tree, reproducing Go's `String()` of each node exactly: execution
//! errors print the failing node as `at <NODE>` (e.g. `<.Values.foo>`, `<include "x" .>`,
//! `<(.a).b>`), so this text is part of the output contract. Numbers and strings print their
//! original source text.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::{
    ActionNode, Arg, BoolNode, ChainNode, CommandNode, CommentNode, FieldNode, IdentifierNode, ListNode, Node,
    NumberNode, PipeNode, StringNode, TemplateNode, TextNode, VariableNode,
};
use crate::lex::go_quote;

impl Display for ListNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.nodes.iter().try_for_each(|n| n.fmt(f))
    }
}

impl Display for Node {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (keyword, branch) = match self {
            Node::Text(n) => return n.fmt(f),
            Node::Action(n) => return n.fmt(f),
            Node::Comment(n) => return n.fmt(f),
            Node::Template(n) => return n.fmt(f),
            Node::Break(_) => return f.write_str("{{break}}"),
            Node::Continue(_) => return f.write_str("{{continue}}"),
            Node::If(b) => ("if", b),
            Node::Range(b) => ("range", b),
            Node::With(b) => ("with", b),
        };
        write!(f, "{{{{{keyword} {}}}}}{}", branch.pipe, branch.list)?;
        if let Some(else_list) = &branch.else_list {
            write!(f, "{{{{else}}}}{else_list}")?;
        }
        f.write_str("{{end}}")
    }
}

impl Display for TextNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Display for CommentNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.text)
    }
}

impl Display for ActionNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.pipe)
    }
}

impl Display for TemplateNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{template {}", go_quote(&self.name))?;
        if let Some(pipe) = &self.pipe {
            write!(f, " {pipe}")?;
        }
        f.write_str("}}")
    }
}

impl Display for PipeNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                v.fmt(f)?;
            }
            // Go prints ":=" for assignments too.
            f.write_str(" := ")?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            cmd.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for CommandNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            match arg {
                // A parenthesized pipeline as an argument keeps its parentheses.
                Arg::Pipe(pipe) => write!(f, "({pipe})")?,
                other => other.fmt(f)?,
            }
        }
        Ok(())
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Dot(_) => f.write_char('.'),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(n) => n.fmt(f),
            Arg::Number(n) => n.fmt(f),
            Arg::String(n) => n.fmt(f),
            Arg::Field(n) => n.fmt(f),
            Arg::Variable(n) => n.fmt(f),
            Arg::Identifier(n) => n.fmt(f),
            // Go's PipeNode.String has no parentheses; commands and chains add them.
            Arg::Pipe(n) => n.fmt(f),
            Arg::Chain(n) => n.fmt(f),
        }
    }
}

impl Display for BoolNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.value { "true" } else { "false" })
    }
}

impl Display for NumberNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Display for StringNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.quoted)
    }
}

impl Display for FieldNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.ident.iter().try_for_each(|id| write!(f, ".{id}"))
    }
}

impl Display for VariableNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, id) in self.ident.iter().enumerate() {
            if i > 0 {
                f.write_char('.')?;
            }
            f.write_str(id)?;
        }
        Ok(())
    }
}

impl Display for IdentifierNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Display for ChainNode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &*self.node {
            Arg::Pipe(pipe) => write!(f, "({pipe})")?,
            other => other.fmt(f)?,
        }
        self.field.iter().try_for_each(|field| write!(f, ".{field}"))
    }
}
