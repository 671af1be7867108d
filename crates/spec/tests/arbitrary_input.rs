//! Arbitrary bytes and mutated specs never make the parser or validator
//! panic: the answer is always a Spec or diagnostics. Inputs come from a
//! fixed-seed generator, so a failure reproduces.

use awsdeploy_spec::{Spec, SpecError};

/// xorshift64*: small, seeded, good enough to scatter inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }
}

const FULL: &str = include_str!("../../../config/full.toml");
const PIECES: [&str; 16] = [
    "[",
    "]",
    "=",
    "\"",
    "'",
    "\n",
    "${",
    "}",
    ":-",
    ".",
    "[env.prod]",
    "azs = ",
    "9999999999999999999999",
    "-1",
    "é",
    "\u{0}",
];

fn check(text: &str) {
    let vars = |name: &str| (name == "IMAGE_TAG").then(|| "v1".to_owned());
    match Spec::parse_with_vars(text, "fuzz.toml", "prod", &vars) {
        Ok(_) => {}
        Err(SpecError::Invalid {
            diagnostics,
            rendered,
        }) => {
            assert!(!diagnostics.is_empty());
            assert!(!rendered.is_empty());
        }
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(0x5eed_0001);
    for _ in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| u8::try_from(rng.below(256)).unwrap())
            .collect();
        check(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn mutated_specs_never_panic() {
    let mut rng = Rng(0x5eed_0002);
    for _ in 0..3000 {
        let mut text = FULL.to_owned();
        for _ in 0..=rng.below(4) {
            let at = rng.below(text.len() + 1);
            let at = (0..=at)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            match rng.below(3) {
                0 => text.insert_str(at, PIECES[rng.below(PIECES.len())]),
                1 => {
                    let end = (at + rng.below(20)).min(text.len());
                    let end = (end..=text.len())
                        .find(|i| text.is_char_boundary(*i))
                        .unwrap_or(text.len());
                    text.replace_range(at..end, "");
                }
                _ => {
                    let lines: Vec<&str> = text.lines().collect();
                    let line = lines[rng.below(lines.len())].to_owned();
                    text.insert_str(at, &format!("\n{line}\n"));
                }
            }
        }
        check(&text);
    }
}
