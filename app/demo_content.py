"""Haven's demo content: original writing, loaded by `haven demo`."""

from typing import TypedDict


class DemoUser(TypedDict):
    username: str  # 3-30 chars, letters/digits/_-
    display_name: str
    bio: str  # Markdown, may be ""


class DemoArticle(TypedDict):
    slug: str
    title: str
    summary: str  # one or two sentences, plain text
    body: str  # Markdown (CommonMark): headings, paragraphs, lists; no HTML or images
    tags: list[str]  # tag display names, e.g. "Symptoms", "Spasticity"
    days_ago: int  # publication date relative to now


class DemoComment(TypedDict):
    key: str  # unique id inside this list, e.g. "c1"
    parent: str | None  # key of the comment it replies to, None for top level
    author: str  # a username from MEMBERS or AUTHOR
    body: str  # Markdown
    hours_after: float  # hours after publication; replies always later than parent


AUTHOR: DemoUser = {
    "username": "nurse_ruth",
    "display_name": "Ruth Ellery, MS Specialist Nurse",
    "bio": (
        "Ruth has worked as an MS specialist nurse for more than fifteen years, "
        "first on a neurology ward and now in a community MS clinic.\n\n"
        "She writes Haven's articles because good, plain information makes "
        "appointments *less* daunting. Outside work she sings (badly) in a "
        "choir and is always happy to talk about her allotment."
    ),
}

MEMBERS: list[DemoUser] = [
    {
        "username": "maggie_walks",
        "display_name": "Maggie",
        "bio": (
            "Relapsing-remitting MS since 2014. Gardener, dog walker, "
            "reluctant early riser."
        ),
    },
    {
        "username": "tom_k",
        "display_name": "Tom K.",
        "bio": (
            "Secondary progressive MS. Part-time wheelchair user, full-time "
            "football pundit from the sofa."
        ),
    },
    {
        "username": "priya_s",
        "display_name": "Priya",
        "bio": "Diagnosed in 2021. Still learning, and glad this place exists.",
    },
    {
        "username": "dave_carer",
        "display_name": "Dave (Jo's husband)",
        "bio": (
            "I look after my wife Jo, who has had MS for twenty years. "
            "Here to learn and to swap tips with other carers."
        ),
    },
    {
        "username": "physio_lena",
        "display_name": "Lena, neuro physio",
        "bio": (
            "Neurological physiotherapist. I share general tips here; "
            "for anything personal, please ask your own physio or MS team."
        ),
    },
    {
        "username": "kwame_a",
        "display_name": "Kwame",
        "bio": "Primary progressive MS. Retired teacher, amateur photographer.",
    },
    {
        "username": "elin_h",
        "display_name": "Elin",
        "bio": "Newly diagnosed, living in north Wales. Mostly reading for now.",
    },
]

SPASTICITY_SLUG = "what-is-spasticity"

_SPASTICITY_BODY = """\
Many people with MS notice at some point that their muscles feel tight, heavy or
hard to move, or that a leg suddenly jerks or kicks out on its own. This is called
**spasticity**. It is one of the more common symptoms of MS, and although it can be
frustrating, there is a lot that can be done about it.

## What is spasticity?

Your muscles always have a certain amount of tension, called muscle tone. Messages
travelling along nerve pathways in the brain and spinal cord keep that tone in
balance, so that muscles can relax when you want them to and tighten when you need
them to.

In MS, damage to those pathways can upset the balance. The result can be muscles
that stay tighter than they should (stiffness), muscles that tighten suddenly and
without warning (spasms), or both. Spasticity most often affects the legs, but it
can also involve the arms, back or trunk.

## How it can feel

Spasticity is different for everyone, and it can change from day to day or even
hour to hour. People describe:

- **Stiffness**: legs that feel rigid or "like wood", especially first thing in
  the morning or after sitting still for a while.
- **Spasms**: sudden tightening of a muscle group. A leg may shoot out straight,
  or both legs may pull up towards the chest. Spasms are often worse at night.
- **Pain or aching**: tight muscles can be sore in themselves, and spasms can
  disturb sleep.
- **Clonus**: a rhythmic bouncing or shaking, often of the foot or ankle, for
  example when you rest your foot on a step or the footplate of a wheelchair.

Spasticity is not always entirely unhelpful. For some people, a degree of
stiffness in the legs gives support when standing, walking or moving from a bed to
a chair. That is one reason why treatment aims to find the right balance rather
than remove all stiffness.

## What can make it worse

Spasticity often flares up when something else is going on in the body. Common
triggers include:

- infections, particularly urinary tract infections (UTIs), which do not always
  cause the classic symptoms
- constipation, or a full bladder
- pressure sores, ingrown toenails or other skin irritation
- tight clothing, straps or badly fitting shoes and splints
- being too hot or too cold
- fatigue, stress and anxiety
- poor posture or staying in one position for a long time

If your spasticity gets noticeably worse over a short time, it is worth asking
whether one of these might be behind it. Treating the trigger can sometimes settle
the spasticity without any change to your medicines.

## How spasticity is managed

Most people use a mix of approaches. Your MS team can help you work out which
ones suit you.

### Stretching and physiotherapy

Regular, gentle stretching helps keep muscles and joints flexible and can reduce
stiffness. A physiotherapist can show you stretches that target the muscles that
bother you, suggest the best times of day to do them, and check your technique.
Little and often tends to work better than an occasional long session.

### Staying active

Movement of any kind helps. Walking, swimming, seated exercise, yoga or simply
changing position regularly can all reduce stiffness. If you use a wheelchair or
spend long periods in bed, standing frames or passive movements with the help of a
carer may be suggested.

### Posture and positioning

How you sit and lie makes a difference. Good support in a chair, pillows placed to
keep legs from crossing or pulling up at night, and the right equipment can all
reduce spasms. An occupational therapist or physiotherapist can advise.

### Dealing with triggers

Keeping bowels regular, emptying your bladder, checking your skin and wearing
comfortable clothes all sound simple, but they can make a real difference.

### Medicines

When stiffness or spasms interfere with daily life, sleep or comfort, medicines
can help. Options your team may talk to you about include:

- **baclofen** and **tizanidine**, taken by mouth, which relax muscles more
  generally
- **gabapentin**, often used for spasms and sometimes for nerve pain as well
- **nabiximols**, a cannabis-based spray used in the mouth, available in some
  countries for people whose spasticity has not improved enough with other
  treatments

These medicines are usually started at a low dose and increased slowly. Side
effects such as drowsiness, dizziness or a feeling of weakness are common,
especially at first. Some, including baclofen, should not be stopped suddenly, so
always talk to your prescriber before changing how you take them.

### Injections and other treatments

If spasticity mainly affects one area, such as the calf or the hand, **botulinum
toxin** injections into specific muscles can relax them. The effect wears off over
a few months and works best alongside stretching or splinting.

For severe spasticity that has not responded to other treatments, some people are
offered **intrathecal baclofen**. A small pump placed under the skin delivers
baclofen directly into the fluid around the spinal cord, so a much smaller dose is
needed. This is a specialist treatment and involves a trial first.

## When to talk to your MS team

Get in touch with your MS nurse, neurologist, GP or physiotherapist if:

- stiffness or spasms are affecting your sleep, walking, comfort or daily tasks
- your spasticity has changed suddenly or is much worse than usual
- you think you might have an infection or a pressure sore
- a medicine is giving you side effects, or does not seem to be helping

You do not need to wait for a routine appointment. Spasticity is much easier to
manage when it is caught early, and small changes can have a big effect.

> This article is general information, not personal medical advice. Everyone's
> MS is different; please talk to your own healthcare team about what is right
> for you.
"""

_FATIGUE_BODY = """\
Fatigue is one of the most common symptoms of MS, and one of the hardest to
explain to other people. It is not the same as ordinary tiredness: it can arrive
without warning, and a good night's sleep does not always fix it.

## Look for other causes first

MS itself can cause fatigue, but so can poor sleep, low mood, pain, infections,
some medicines, anaemia or thyroid problems. It is worth asking your GP or MS team
to check for these, because some of them are easy to treat.

## Plan, prioritise, pace

Many people find the "three Ps" useful:

- **Plan** your day and week so that demanding tasks are spread out.
- **Prioritise** what really matters, and let some things go.
- **Pace** yourself: rest *before* you run out of energy, not after.

A simple fatigue diary for a week or two can show patterns you had not noticed,
such as an afternoon dip or a crash the day after a busy one.

## Keep moving

It can feel backwards, but regular, moderate exercise often reduces MS fatigue
over time. Start small and build up. A physiotherapist can help you find a level
that leaves you feeling better rather than wiped out.

## Small changes add up

- Sit down for tasks you usually do standing, such as ironing or preparing food.
- Keep cool, as heat can make fatigue worse.
- Protect your sleep with a regular routine.
- Ask about fatigue management courses; many MS services run them.

Fatigue is a real symptom, not a lack of effort. If it is limiting your life,
tell your MS team.

> General information only; please talk to your own team about your situation.
"""

_HEAT_BODY = """\
Many people with MS find that their symptoms get worse when they are hot. Blurred
vision, weakness, numbness or fatigue might come on during a heatwave, after a
hot bath or in the middle of exercise.

## What is Uhthoff's phenomenon?

This temporary worsening with heat is known as Uhthoff's phenomenon, named after
the eye doctor who first described it. Nerves that have lost some of their
protective coating (myelin) carry signals less reliably, and a small rise in body
temperature can make that worse.

The important thing to know is that it is **temporary**. Symptoms usually settle
once you cool down, and heat sensitivity does not cause new damage. It is not a
relapse.

## Ways to stay cool

- Have cold drinks, ice lollies or frozen fruit to hand.
- Use fans, cooling towels or a cooling vest.
- Take lukewarm rather than hot showers and baths.
- Exercise in the cooler part of the day, or in a pool.
- Wear light, loose layers you can take off.

## Fever is different

A raised temperature from an infection can also bring back old symptoms for a
while, sometimes called a pseudo-relapse. If you feel unwell or have a fever,
contact your GP, as the infection may need treating.

Some people with MS are more sensitive to cold than to heat, and some are
affected by both. Notice what affects you and plan around it.

> This is general information. If symptoms do not settle when you cool down, or
> you are worried, speak to your MS team.
"""

_WORK_BODY = """\
Deciding whether, when and how to tell your employer about MS is a personal choice.
There is no single right answer, but a little preparation can make the
conversation easier.

## Do you have to tell them?

In most situations you do not have to tell your employer. There may be
exceptions, for example if your job involves safety-critical work or driving, so
check your contract and any rules for your profession.

In the UK, MS counts as a disability under the Equality Act 2010 from the point of
diagnosis. That means your employer must consider reasonable adjustments and must
not treat you unfairly because of your MS. Other countries have their own laws, so
look up the rules where you live.

## Preparing for the conversation

- Decide what you want to share. You can keep medical details private.
- Focus on what helps you work well, not only on symptoms.
- Think about adjustments that might help, such as flexible hours, working from
  home, a desk near the toilet, or a cooler workspace.
- Ask for a meeting at a quiet time, and bring notes if that helps.

## After you have told them

Ask for any agreed adjustments to be written down, and arrange to review them.
Your employer may suggest a referral to occupational health, who can give
independent advice. In the UK, the Access to Work scheme may help pay for
equipment or support.

If things go wrong, you do not have to deal with it alone. Trade unions, Citizens
Advice and MS charities can all offer guidance.

> This article is general information, not legal advice.
"""

_BLADDER_BODY = """\
Bladder problems are common in MS, but many people put off mentioning them. They
are worth raising: there is a lot that can help.

## What kinds of problems happen?

- **Overactive bladder**: needing to go urgently or often, including at night,
  and sometimes not making it in time.
- **Incomplete emptying**: difficulty starting, a weak stream, or a feeling that
  the bladder is not empty afterwards.

Some people have a mixture of both. A simple scan after you have been to the
toilet can show whether urine is being left behind, which helps decide on the
right treatment.

## Things you can try

- Keep drinking. Cutting back on fluids makes urine more concentrated, which can
  irritate the bladder.
- Reduce caffeine, fizzy drinks and alcohol, which can all make urgency worse.
- Keep a bladder diary for a few days to spot patterns.
- Learn pelvic floor exercises, ideally with help from a specialist.
- Keep your bowels regular, as constipation presses on the bladder.

## Treatments

Depending on the problem, your team may suggest medicines to calm an overactive
bladder, intermittent self-catheterisation to empty the bladder fully, or
botulinum toxin injections into the bladder wall. A continence adviser can help
with all of this, including products that make daily life easier.

## Watch for infections

Urinary tract infections are more common when the bladder does not empty fully.
They can also make other MS symptoms, such as spasticity, temporarily worse. Talk
to your GP if your urine smells or looks different, it stings, or you feel unwell.

> General information only; please speak to your own team about what suits you.
"""

ARTICLES: list[DemoArticle] = [
    {
        "slug": SPASTICITY_SLUG,
        "title": "What is spasticity?",
        "summary": (
            "Stiff muscles and sudden spasms are common in MS. Here is what "
            "spasticity is, what can make it worse and the many ways it can be "
            "managed."
        ),
        "body": _SPASTICITY_BODY,
        "tags": ["Symptoms", "Spasticity", "Treatment"],
        "days_ago": 3,
    },
    {
        "slug": "managing-ms-fatigue",
        "title": "Managing MS fatigue day to day",
        "summary": (
            "MS fatigue is more than feeling tired. Practical ways to plan, pace "
            "and protect your energy."
        ),
        "body": _FATIGUE_BODY,
        "tags": ["Symptoms", "Fatigue", "Everyday life"],
        "days_ago": 10,
    },
    {
        "slug": "heat-sensitivity-and-uhthoffs-phenomenon",
        "title": "Heat sensitivity and Uhthoff's phenomenon",
        "summary": (
            "Why symptoms can flare when you get hot, why it is temporary, and "
            "simple ways to stay cool."
        ),
        "body": _HEAT_BODY,
        "tags": ["Symptoms", "Heat sensitivity", "Everyday life"],
        "days_ago": 17,
    },
    {
        "slug": "talking-to-your-employer-about-ms",
        "title": "Talking to your employer about MS",
        "summary": (
            "Whether and how to tell your employer is your choice. Some things to "
            "think about before, during and after the conversation."
        ),
        "body": _WORK_BODY,
        "tags": ["Work", "Everyday life"],
        "days_ago": 24,
    },
    {
        "slug": "bladder-problems-in-ms",
        "title": "Bladder problems in MS: what helps",
        "summary": (
            "Urgency, frequency and trouble emptying are common in MS. An overview "
            "of self-help and treatments."
        ),
        "body": _BLADDER_BODY,
        "tags": ["Symptoms", "Bladder", "Treatment"],
        "days_ago": 31,
    },
]

DISCUSSION: list[DemoComment] = [
    {
        "key": "c1",
        "parent": None,
        "author": "maggie_walks",
        "body": (
            "Thank you for this, Ruth. Mornings are my worst time, my legs feel "
            "like planks until I've been up for an hour.\n\n"
            "What helps me is a short routine before I even get out of bed:\n\n"
            "1. ankle circles and pulling my toes up towards me\n"
            "2. knees to chest, one at a time\n"
            "3. a long calf stretch with a towel round my foot\n\n"
            "It takes ten minutes and makes a *huge* difference to that first walk "
            "to the kettle."
        ),
        "hours_after": 2.5,
    },
    {
        "key": "c2",
        "parent": "c1",
        "author": "physio_lena",
        "body": (
            "That's a lovely routine, Maggie. One general tip: hold each stretch "
            "slowly for at least 30 seconds and don't bounce, as quick movements "
            "can set off spasms. Many people also find stretching is easier after "
            "a warm (not hot) shower, when the muscles are a bit looser."
        ),
        "hours_after": 4.0,
    },
    {
        "key": "c3",
        "parent": "c2",
        "author": "maggie_walks",
        "body": "Ha, I am definitely a bouncer. Will try the slow version tomorrow!",
        "hours_after": 5.25,
    },
    {
        "key": "c4",
        "parent": "c1",
        "author": "elin_h",
        "body": (
            "Can I ask how long it took before you noticed a difference? I've "
            "started getting tight calves and I'm not sure if stretching is "
            "doing anything yet."
        ),
        "hours_after": 9.0,
    },
    {
        "key": "c5",
        "parent": "c4",
        "author": "maggie_walks",
        "body": (
            "For me it was a couple of weeks of doing it **every** day before I "
            "really felt it. Keep going, and do ask your MS nurse about seeing a "
            "physio, mine tweaked my stretches and that helped a lot."
        ),
        "hours_after": 11.5,
    },
    {
        "key": "c6",
        "parent": None,
        "author": "tom_k",
        "body": (
            "Started baclofen a month ago. The spasms at night are much better, "
            "but I'm so drowsy in the afternoons I nearly fell asleep at my "
            "grandson's school play. Is that just something you live with? "
            "Tempted to stop taking it."
        ),
        "hours_after": 6.0,
    },
    {
        "key": "c7",
        "parent": "c6",
        "author": "nurse_ruth",
        "body": (
            "Hi Tom, I'm glad the nights are better. Drowsiness is a common side "
            "effect of baclofen, especially in the first weeks or after a dose "
            "change, and for some people it eases with time.\n\n"
            "I can't advise on your own dose, but please **don't stop it "
            "suddenly**: baclofen needs to be reduced gradually. Do ring your MS "
            "nurse or whoever prescribes it. There are often things they can "
            "adjust, such as the timing or the dose, so that you get the benefit "
            "with fewer side effects."
        ),
        "hours_after": 8.5,
    },
    {
        "key": "c8",
        "parent": "c7",
        "author": "tom_k",
        "body": (
            "Thanks Ruth. Rang the MS nurse line this morning. She's moved more "
            "of my dose to the evening, so I'll see how that goes. Good to know "
            "not to just stop it, I honestly didn't realise."
        ),
        "hours_after": 27.0,
    },
    {
        "key": "c9",
        "parent": "c6",
        "author": "kwame_a",
        "body": (
            "I had the same sleepy afternoons at first, Tom. It did settle for me "
            "after a few weeks. I'm on tizanidine now as well, and the thing I "
            "notice with that one is a dry mouth, so I keep a water bottle "
            "everywhere."
        ),
        "hours_after": 13.0,
    },
    {
        "key": "c10",
        "parent": None,
        "author": "priya_s",
        "body": (
            "The bit about infections is so true. Last winter my legs went "
            "really stiff and jumpy for about a week and I assumed it was a "
            "relapse. It turned out to be a UTI, even though I didn't have any "
            "of the burning I'd expect. Once it was treated the spasms calmed "
            "right down.\n\n"
            "So now if my spasticity suddenly gets worse, my first question is "
            "*could this be an infection?*"
        ),
        "hours_after": 15.5,
    },
    {
        "key": "c11",
        "parent": "c10",
        "author": "nurse_ruth",
        "body": (
            "Thank you for sharing this, Priya. It's a really useful habit. "
            "Infections, especially in the bladder, can quietly make MS symptoms "
            "worse, and they don't always show up in the usual way. If your "
            "symptoms change suddenly, it's always reasonable to ask your GP or "
            "MS team to check.\n\n"
            "The [NHS page on MS](https://www.nhs.uk/conditions/multiple-sclerosis/) "
            "has more on relapses and what else can cause symptoms to flare."
        ),
        "hours_after": 18.0,
    },
    {
        "key": "c12",
        "parent": "c11",
        "author": "priya_s",
        "body": "Thanks Ruth, bookmarked!",
        "hours_after": 20.0,
    },
    {
        "key": "c13",
        "parent": None,
        "author": "dave_carer",
        "body": (
            "A carer's view: Jo's spasms are worst at night, and they wake both "
            "of us. A few things that have helped us:\n\n"
            "- a pillow between her knees so her legs don't cross\n"
            "- loose cotton pyjamas instead of anything tight round the ankles\n"
            "- making sure she's been to the loo just before bed\n\n"
            "It's not perfect, but we get more sleep than we did. It also helps "
            "me not to take the night-time kicks personally!"
        ),
        "hours_after": 30.0,
    },
    {
        "key": "c14",
        "parent": "c13",
        "author": "physio_lena",
        "body": (
            "These are great tips, Dave, and the full bladder one is often "
            "overlooked. If night spasms are still a problem, it may be worth "
            "asking Jo's MS team for a physio or occupational therapy assessment. "
            "Positioning in bed can make a real difference, and they can look "
            "at her own needs."
        ),
        "hours_after": 33.5,
    },
]

# Comments still waiting in the moderation queue, so a moderator trying the demo
# has decisions to make (one with links, one a reply, one a question).
AWAITING_MODERATION: list[DemoComment] = [
    {
        "key": "p1",
        "parent": None,
        "author": "dave_carer",
        "body": (
            "Has anyone tried hydrotherapy for spasticity? Our local pool runs a "
            "warm-water class on Tuesdays and Jo is wondering whether it's worth "
            "the trip."
        ),
        "hours_after": 40.0,
    },
    {
        "key": "p2",
        "parent": "c13",
        "author": "maggie_walks",
        "body": (
            "Dave, the pillow between the knees is such a good idea. I found "
            "these pages useful too: [a guide to positioning](https://example.org/"
            "positioning) and [a sleep diary template](https://example.org/diary)."
        ),
        "hours_after": 41.0,
    },
    {
        "key": "p3",
        "parent": None,
        "author": "physio_lena",
        "body": (
            "A reminder for everyone reading: if your spasms suddenly get worse, "
            "check for an infection or a pressure sore before changing anything "
            "else, and tell your MS nurse."
        ),
        "hours_after": 42.0,
    },
]
