//! `CallExit`: the exit code of one tool call, as `mcp-exec`, `berth session exec` and the call
//! log report it (0 ok, 1 the tool reported an error, 2 the call failed on the way).

use serde::{Deserialize, Serialize};

/// How a tool call ended; serialised as its number, which is also the CLI's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum CallExit {
    /// The tool ran and returned its result.
    Ok = 0,
    /// The tool ran and reported an error (or the server answered with a JSON-RPC error).
    ToolError = 1,
    /// The call did not complete: a transport failure, a timeout, a server that went away.
    Failed = 2,
}

impl CallExit {
    /// `Ok` or `ToolError`, from a result's error flag.
    pub fn from_tool_error(is_error: bool) -> Self {
        if is_error { Self::ToolError } else { Self::Ok }
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn is_ok(self) -> bool {
        self == Self::Ok
    }
}

impl From<CallExit> for u8 {
    fn from(e: CallExit) -> u8 {
        e.code()
    }
}

impl TryFrom<u8> for CallExit {
    type Error = String;

    fn try_from(n: u8) -> Result<Self, String> {
        match n {
            0 => Ok(Self::Ok),
            1 => Ok(Self::ToolError),
            2 => Ok(Self::Failed),
            other => Err(format!("{other} is not a tool call exit code (0, 1 or 2)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_their_numbers() {
        for (exit, n) in [(CallExit::Ok, 0u8), (CallExit::ToolError, 1), (CallExit::Failed, 2)] {
            assert_eq!(serde_json::to_value(exit).unwrap(), serde_json::json!(n));
            assert_eq!(serde_json::from_value::<CallExit>(serde_json::json!(n)).unwrap(), exit);
        }
        assert!(serde_json::from_value::<CallExit>(serde_json::json!(3)).is_err());
        assert_eq!(CallExit::from_tool_error(true), CallExit::ToolError);
    }
}
