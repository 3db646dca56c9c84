//! Writes a realistic generated help center for benchmarks:
//! `cargo run --release --example gen_corpus -- --articles 10000 --locales es,en,pt DIR`.
//!
//! Articles have front matter, headings, lists, tables, an image, links to other articles
//! (relative `.md` paths, some with anchors) and translations sharing an id. Output is
//! deterministic for the same arguments.

use std::fmt::Write as _;
use std::path::PathBuf;

const WORDS_ES: &[&str] = &[
    "pedido",
    "pago",
    "factura",
    "cuenta",
    "usuario",
    "contraseña",
    "integración",
    "catálogo",
    "producto",
    "envío",
    "configuración",
    "error",
    "acceso",
    "permiso",
    "reporte",
    "ticket",
    "soporte",
    "video",
    "reproducción",
    "suscripción",
    "tienda",
    "cliente",
    "promoción",
    "cupón",
    "precio",
    "inventario",
    "sincronizar",
    "actualizar",
    "revisar",
    "abrir",
    "cerrar",
    "validar",
    "la",
    "el",
    "de",
    "para",
    "con",
    "sin",
    "no",
    "cuando",
    "porque",
    "si",
];
const WORDS_EN: &[&str] = &[
    "order",
    "payment",
    "invoice",
    "account",
    "user",
    "password",
    "integration",
    "catalogue",
    "product",
    "shipping",
    "settings",
    "error",
    "access",
    "permission",
    "report",
    "ticket",
    "support",
    "video",
    "playback",
    "subscription",
    "store",
    "customer",
    "promotion",
    "coupon",
    "price",
    "inventory",
    "sync",
    "update",
    "check",
    "open",
    "close",
    "validate",
    "the",
    "of",
    "for",
    "with",
    "without",
    "not",
    "when",
    "because",
    "if",
];
const WORDS_PT: &[&str] = &[
    "pedido",
    "pagamento",
    "fatura",
    "conta",
    "usuário",
    "senha",
    "integração",
    "catálogo",
    "produto",
    "envio",
    "configuração",
    "erro",
    "acesso",
    "permissão",
    "relatório",
    "chamado",
    "suporte",
    "vídeo",
    "reprodução",
    "assinatura",
    "loja",
    "cliente",
    "promoção",
    "cupom",
    "preço",
    "estoque",
    "sincronizar",
    "atualizar",
    "verificar",
    "abrir",
    "fechar",
    "validar",
    "a",
    "o",
    "de",
    "para",
    "com",
    "sem",
    "não",
    "quando",
    "porque",
    "se",
];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn words(rng: &mut Rng, vocab: &[&str], n: usize) -> String {
    (0..n)
        .map(|_| vocab[rng.below(vocab.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn sentence(rng: &mut Rng, vocab: &[&str]) -> String {
    let n = 8 + rng.below(12);
    let mut s = words(rng, vocab, n);
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s + "."
}

struct Spec {
    articles: usize,
    locales: Vec<String>,
    out: PathBuf,
}

fn parse_args() -> Result<Spec, String> {
    let mut args = std::env::args().skip(1);
    let mut spec = Spec {
        articles: 1000,
        locales: vec!["es".into(), "en".into(), "pt".into()],
        out: PathBuf::new(),
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--articles" => {
                spec.articles = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--articles takes a number")?;
            }
            "--locales" => {
                spec.locales = args
                    .next()
                    .ok_or("--locales takes a list such as es,en,pt")?
                    .split(',')
                    .map(str::to_string)
                    .collect();
            }
            other if !other.starts_with('-') => spec.out = PathBuf::from(other),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if spec.out.as_os_str().is_empty() {
        return Err("usage: gen_corpus [--articles N] [--locales es,en,pt] DIR".into());
    }
    Ok(spec)
}

/// Writes the corpus; `articles` counts files over all locales.
fn generate(spec: &Spec) -> std::io::Result<()> {
    let groups = spec.articles.div_ceil(spec.locales.len().max(1));
    // Groups present in every locale (the last locale may be cut short): links only go there.
    let complete = spec
        .articles
        .saturating_sub(groups * (spec.locales.len().max(1) - 1))
        .clamp(1, groups);
    let categories = 10;
    let sections = 5;
    std::fs::create_dir_all(&spec.out)?;
    let locales_yaml: Vec<String> = spec.locales.iter().map(|l| format!("  - {l}")).collect();
    std::fs::write(
        spec.out.join("ayuda.yaml"),
        format!(
            "title: Generated help center\nbase_url: https://help.example.org\ndefault_locale: {}\nlocales:\n{}\n",
            spec.locales[0],
            locales_yaml.join("\n")
        ),
    )?;
    let mut written = 0;
    for (li, locale) in spec.locales.iter().enumerate() {
        let vocab = match locale.as_str() {
            "es" => WORDS_ES,
            "pt" => WORDS_PT,
            _ => WORDS_EN,
        };
        for g in 0..groups {
            if written >= spec.articles {
                return Ok(());
            }
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((g as u64 + 1) * 7919 + li as u64));
            let (cat, sec) = (g % categories, (g / categories) % sections);
            let dir = spec
                .out
                .join(format!("content/{locale}/category-{cat}/section-{sec}"));
            let img_dir = dir.join("img");
            if !img_dir.exists() {
                std::fs::create_dir_all(&img_dir)?;
                std::fs::write(img_dir.join("screen.png"), PNG)?;
            }
            let title = {
                let n = 4 + rng.below(4);
                let t = words(&mut rng, vocab, n);
                format!("{} {g}", t)
            };
            let mut md = String::new();
            let _ = writeln!(
                md,
                "---\ntitle: \"{title}\"\nid: article-{g}\nlocale: {locale}\nslug: article-{g}\nstatus: published\nupdatedAt: 2025-{:02}-{:02}T10:00:00Z\ntags: [{}, {}]\nversion: \"1.{}\"\n---\n",
                1 + g % 12,
                1 + g % 28,
                vocab[rng.below(vocab.len())],
                vocab[rng.below(vocab.len())],
                g % 9
            );
            let _ = writeln!(md, "{}\n", sentence(&mut rng, vocab));
            for h in 0..3 {
                let _ = writeln!(md, "## Step {h} {}\n", words(&mut rng, vocab, 3));
                for _ in 0..2 {
                    let _ = writeln!(
                        md,
                        "{} {}\n",
                        sentence(&mut rng, vocab),
                        sentence(&mut rng, vocab)
                    );
                }
                let _ = writeln!(
                    md,
                    "- {}\n- {}\n- **{}**\n",
                    sentence(&mut rng, vocab),
                    sentence(&mut rng, vocab),
                    words(&mut rng, vocab, 2)
                );
            }
            let _ = writeln!(
                md,
                "| {} | {} |\n|---|---|",
                words(&mut rng, vocab, 1),
                words(&mut rng, vocab, 1)
            );
            for _ in 0..4 {
                let _ = writeln!(
                    md,
                    "| {} | {} |",
                    words(&mut rng, vocab, 2),
                    words(&mut rng, vocab, 3)
                );
            }
            let _ = writeln!(md, "\n![screen](img/screen.png)\n");
            let _ = writeln!(md, "> [!NOTE]\n> {}\n", sentence(&mut rng, vocab));
            // Links to two other articles of the same locale.
            for _ in 0..2 {
                let other = rng.below(complete);
                let (oc, os) = (other % categories, (other / categories) % sections);
                let _ = writeln!(
                    md,
                    "See [{}](../../category-{oc}/section-{os}/article-{other}.md).\n",
                    words(&mut rng, vocab, 2)
                );
            }
            std::fs::write(dir.join(format!("article-{g}.md")), md)?;
            written += 1;
        }
    }
    Ok(())
}

fn main() {
    match parse_args().and_then(|spec| generate(&spec).map_err(|e| e.to_string()).map(|()| spec)) {
        Ok(spec) => println!("wrote {} articles to {}", spec.articles, spec.out.display()),
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            std::process::exit(2);
        }
    }
}
