export function SoundStagePage() {
  return <h1>Sound stage</h1>;
}
