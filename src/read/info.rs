//! `read --info`: what a capture holds (its header, and what reading it to
//! the end finds), as a few lines or one JSON object.

use crate::capture::{self, Entry, Reader};
use crate::error::{Error, Result};
use crate::pipeline::{Display, files};
use crate::record::Format;
use std::io::{Read, Write};

/// `--info`: what the capture holds, read to its end.
pub(super) fn show<R: Read>(name: &str, reader: &mut Reader<R>, d: &Display) -> Result<i32> {
    let h = reader.header().clone();
    let mut records = 0u64;
    let mut first = None;
    let mut last = 0u64;
    let mut end = None;
    let mut failure = None;
    loop {
        match reader.next_entry() {
            Ok(Some(Entry::Record { rec, .. })) => {
                records += 1;
                first.get_or_insert(rec.ts_ns);
                last = last.max(rec.ts_ns.saturating_add(rec.dur_ns.unwrap_or(0)));
            }
            Ok(Some(Entry::End(e))) => end = Some(e),
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let mut out = Vec::new();
    let argv: Vec<String> = h
        .argv
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let span = first.map_or(0, |f| last.saturating_sub(f));
    let truncated = reader.truncated();
    let exit = end.as_ref().and_then(|e| e.exit).map(|e| match e {
        capture::Exit::Code(c) => format!("exited with {c}"),
        capture::Exit::Signal(s) => format!("killed by signal {s}"),
    });
    if d.format == Format::Json {
        let mut j = String::from("{");
        j.push_str(&format!("\"file\":{}", json_str(name)));
        j.push_str(&format!(",\"version\":\"{}.{}\"", h.version.0, h.version.1));
        j.push_str(&format!(
            ",\"command\":[{}]",
            argv.iter()
                .map(|a| json_str(a))
                .collect::<Vec<_>>()
                .join(",")
        ));
        j.push_str(&format!(
            ",\"arch\":{},\"kernel\":{}",
            json_str(&h.arch),
            json_str(&h.kernel)
        ));
        j.push_str(&format!(
            ",\"start_ns\":{},\"snaplen\":{}",
            h.start_ns, h.snaplen
        ));
        j.push_str(",\"options\":{");
        j.push_str(
            &h.options
                .iter()
                .map(|(k, v)| format!("{}:{}", json_str(k), json_str(v)))
                .collect::<Vec<_>>()
                .join(","),
        );
        j.push('}');
        j.push_str(&format!(",\"records\":{records},\"span_ns\":{span}"));
        j.push_str(&format!(
            ",\"complete\":{},\"truncated_at\":{}",
            end.is_some(),
            truncated.map_or("null".to_string(), |(at, _)| at.to_string())
        ));
        j.push_str(&format!(
            ",\"exit\":{}}}\n",
            exit.as_deref().map_or("null".to_string(), json_str)
        ));
        out.extend_from_slice(j.as_bytes());
    } else {
        let _ = writeln!(out, "file:      {name}");
        let _ = writeln!(
            out,
            "format:    my-sysdig capture {}.{}",
            h.version.0, h.version.1
        );
        let _ = writeln!(out, "command:   {}", argv.join(" "));
        let _ = writeln!(out, "arch:      {}", h.arch);
        let _ = writeln!(out, "kernel:    {}", h.kernel);
        let _ = writeln!(
            out,
            "started:   {}.{:09} (s since the epoch)",
            h.start_ns / 1_000_000_000,
            h.start_ns % 1_000_000_000
        );
        let opts: Vec<String> = h.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(out, "options:   {}", opts.join(" "));
        let _ = writeln!(out, "records:   {records}");
        let _ = writeln!(
            out,
            "span:      {}.{:06} s",
            span / 1_000_000_000,
            span % 1_000_000_000 / 1000
        );
        let _ = writeln!(out, "exit:      {}", exit.as_deref().unwrap_or("unknown"));
        let state = match (&truncated, &end) {
            (Some((at, _)), _) => format!("truncated at byte {at} (the tracer stopped mid-write)"),
            (None, Some(_)) => "complete".to_string(),
            (None, None) => "no trailer (the tracer did not finish)".to_string(),
        };
        let _ = writeln!(out, "state:     {state}");
    }
    let mut file = match &d.output {
        Some(p) => files::create(p, "output")?,
        None => files::stdout()?,
    };
    file.write_all(&out)
        .map_err(|e| Error::fail(format!("writing the description: {e}")))?;
    if let Some(e) = failure {
        return Err(Error::fail(format!("{name}: {e}")));
    }
    Ok(0)
}

/// `s` as a JSON string.
fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}
