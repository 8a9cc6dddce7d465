//! `imapm`'s command line: `--help` and `--version` everywhere, the errors it keeps, and a
//! closed stdout (`imapm decode FILE | head`).

use std::process::{Command, Output, Stdio};

fn imapm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imapm")).args(args).output().expect("run imapm")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The options the README lists for `imapm serve` (its "Options:" sentence).
fn readme_serve_options() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README");
    let start = readme.find("Options: `--listen").expect("the options of imapm serve in README.md");
    let text = &readme[start..];
    let text = &text[..text.find("Try it").expect("end of the options")];
    let mut options: Vec<String> = text
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|code| code.split_whitespace())
        .filter(|w| w.starts_with("--"))
        .map(str::to_string)
        .collect();
    options.dedup();
    assert!(options.len() >= 10, "{options:?}");
    options
}

#[test]
fn help_prints_usage_and_succeeds() {
    for flag in ["--help", "-h", "help"] {
        let o = imapm(&[flag]);
        assert!(o.status.success(), "imapm {flag}: {o:?}");
        let text = stdout(&o);
        assert!(text.contains("imapm decode FILE") && text.contains("imapm serve"), "{text}");
        assert!(o.stderr.is_empty(), "{o:?}");
    }
}

#[test]
fn serve_help_lists_every_option_of_the_readme() {
    for flag in ["--help", "-h"] {
        let o = imapm(&["serve", flag]);
        assert!(o.status.success(), "imapm serve {flag}: {o:?}");
        let text = stdout(&o);
        for option in readme_serve_options() {
            assert!(text.contains(&option), "imapm serve --help lacks {option}:\n{text}");
        }
        assert!(text.contains("--help"), "{text}");
    }
    // After other options too, and the server is not started.
    let o = imapm(&["serve", "--quiet", "--listen", "127.0.0.1:0", "--help"]);
    assert!(o.status.success() && stdout(&o).contains("--max-connections"), "{o:?}");
}

#[test]
fn decode_help_says_what_it_does() {
    for flag in ["--help", "-h"] {
        let o = imapm(&["decode", flag]);
        assert!(o.status.success(), "imapm decode {flag}: {o:?}");
        let text = stdout(&o);
        assert!(text.contains("imapm decode FILE") && text.contains("C:") && text.contains("S:"), "{text}");
    }
}

#[test]
fn version() {
    for flag in ["--version", "-V"] {
        let o = imapm(&[flag]);
        assert!(o.status.success(), "{o:?}");
        assert_eq!(stdout(&o), format!("imapm {}\n", env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn wrong_arguments_still_fail_with_usage() {
    for args in [&[][..], &["frobnicate"], &["decode"], &["decode", "a", "b"], &["serve", "--bogus"]] {
        let o = imapm(args);
        assert_eq!(o.status.code(), Some(2), "imapm {args:?}: {o:?}");
        assert!(o.stdout.is_empty(), "{o:?}");
        assert!(String::from_utf8_lossy(&o.stderr).to_lowercase().contains("usage"), "{o:?}");
    }
    let o = imapm(&["serve", "--bogus"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unexpected argument '--bogus'"), "{o:?}");
    let o = imapm(&["serve", "--threads", "0"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = imapm(&["decode", "/nonexistent/transcript.txt"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

/// Runs `imapm ARGS` with its stdout closed by the reader before it is read.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imapm"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn imapm");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn decode_into_a_closed_pipe_ends_quietly() {
    // Far more output than a pipe holds, so the writes meet the closed pipe.
    let dir = std::env::temp_dir().join(format!("imapm-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("noops.txt");
    let text: String = (0..50_000).map(|k| format!("C: a{k} NOOP\nS: a{k} OK done\n")).collect();
    std::fs::write(&file, text).expect("write transcript");
    let o = with_closed_stdout(&["decode", file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(o.status.success(), "{o:?}");
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn help_into_a_closed_pipe_ends_quietly() {
    for args in [&["--help"][..], &["serve", "--help"], &["decode", "--help"], &["pw", "--help"], &["--version"]] {
        let o = with_closed_stdout(args);
        assert!(o.status.success(), "imapm {args:?}: {o:?}");
        assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn decode_of_a_client_only_transcript_with_authenticate() {
    let dir = std::env::temp_dir().join(format!("imapm-cli-test-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("client.txt");
    std::fs::write(
        &file,
        "C: a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\nC: b SELECT INBOX\nC: c AUTHENTICATE PLAIN\nC: *\nC: d LOGOUT\n",
    )
    .expect("write transcript");
    let o = imapm(&["decode", file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("5 messages, 5 parsed, 5 round-tripped, 0 errors\n"), "{}", stdout(&o));
}

/// Every subcommand has `--help` and `--version`.
#[test]
fn every_subcommand_has_help_and_version() {
    for sub in ["decode", "serve", "pw"] {
        let o = imapm(&[sub, "--help"]);
        assert!(o.status.success() && stdout(&o).contains(&format!("imapm {sub}")), "{o:?}");
        let o = imapm(&[sub, "--version"]);
        assert_eq!(stdout(&o), format!("imapm-{sub} {}\n", env!("CARGO_PKG_VERSION")), "{o:?}");
    }
}

/// `imapm serve --config FILE`: an unknown key stops the start, naming the key.
#[test]
fn a_config_file_with_an_unknown_key_is_refused() {
    let dir = std::env::temp_dir().join(format!("imapm-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("imapm.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nmax-conections = 5\n").expect("write");
    let o = imapm(&["serve", "--config", file.to_str().expect("utf-8")]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown field `max-conections`") && err.contains("line 2"), "{err}");
}
