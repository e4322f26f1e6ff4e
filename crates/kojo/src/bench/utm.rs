//! `kojo bench utm` (being written).

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("kojo bench utm is not available yet")
}
