export const dynamic = 'force-dynamic'

export default async function About({ searchParams }) {
  const { name = 'world' } = await searchParams
  return (
    <main>
      <h1>About</h1>
      <p>Hi {name}</p>
    </main>
  )
}
