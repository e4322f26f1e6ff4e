//! `kojo bench intake` (being written).

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("kojo bench intake is not available yet")
}
