"""Crisis language: what must be caught, and MS talk that must not be.

The rates are printed (`pytest -s`) for the issue's note; both must be perfect
on these examples.
"""

import pytest

from app.moderation.crisis import find_crisis_language

IN_CRISIS = (
    "I have been thinking about ending my life.",
    "Some days I just want to die.",
    "Honestly I've been feeling suicidal since the diagnosis.",
    "I keep thinking my family would be better off without me.",
    "I don't want to live like this any more.",
    "I dont want to live anymore, what's the point.",
    "I can't go on like this, the pain never stops.",
    "I cannot go on like this much longer.",
    "There is no reason to live now that I can't walk.",
    "I have nothing to live for anymore.",
    "I've started cutting myself again.",
    "I cut myself last night after the neurologist appointment.",
    "I keep wanting to hurt myself when the spasms start.",
    "I've been self-harming for months and nobody knows.",
    "Self harm is the only thing that helps me cope.",
    "I've been saving up my pills just in case.",
    "I'm stockpiling my pills.",
    "I want to end it all.",
    "Sometimes I think about ending it all.",
    "I wish I was dead.",
    "I wish I were dead most mornings.",
    "I'd be better off dead than in a wheelchair.",
    "I don\u2019t want to wake up tomorrow.",
    "I don't want to be here anymore.",
    "I've thought about how I would kill myself.",
    "I am scared I will take my own life.",
    "I took an overdose last year and I feel the same now.",
    "I'm thinking of taking an overdose.",
    "Life with this disease is not worth living.",
    "There's no point in living like this.",
    "I'm giving up on life.",
    "I want to say goodbye to everyone here.",
    "I don't want to go on.",
    "I can't go on anymore.",
    "Suicide seems like the only way out.",
    "I keep thinking about killing myself.",
    "I want to end my life before it gets worse.",
    "I've been harming myself again.",
    "I just wanna die.",
    "SOMETIMES I THINK ABOUT SUICIDE.",
    "I don\u2019t want to be alive.",
    "Part of me wants to take my life.",
)

EVERYDAY_MS_TALK = (
    "I'm so tired of these spasms.",
    "This fatigue is killing me.",
    "I could have died laughing at the physio's joke.",
    "I can't go on long walks anymore, but short ones help.",
    "My legs are dying on me by the afternoon.",
    "I'm dying to try the new stretching routine.",
    "The heat kills me every summer.",
    "Baclofen made me so sleepy I could barely function.",
    "I cut my hours at work to three days a week.",
    "I hurt my back lifting the shopping.",
    "My daughter cut my hair short so it's easier to manage.",
    "The pain in my legs is unbearable at night.",
    "I cried for a week after the diagnosis, then got on with it.",
    "Sometimes I feel like giving up on the exercise bike.",
    "I gave up driving last year.",
    "Tried the new drug and nearly died of boredom in the infusion chair.",
    "My MS nurse says the fatigue will ease.",
    "I was terrified of the MRI but it was fine.",
    "I live alone and worry about falling.",
    "My mum passed away from complications of MS.",
    "We talked about end of life care with my neurologist.",
    "I'm worried about taking too many painkillers with baclofen.",
    "I missed a dose and the spasms came back.",
    "What's the point of the MRI if nothing changes?",
    "I'm fed up with hospital waiting lists.",
    "I could kill for a good night's sleep.",
    "I feel hopeless about the benefits appeal.",
    "My legs lock up when I stand; it drives me crazy.",
    "Cold showers help me wake up.",
    "I'd rather die than go back to that clinic, the parking is a nightmare!",
    "The new wheelchair has given me my life back.",
    "Some days the cognitive fog makes me want to scream.",
    "My cat is the reason I get out of bed.",
    "I'm dead tired after physio.",
    "I harm nobody by resting in the afternoon.",
    "Stretching before getting up helps my legs.",
    "Ending the day with a warm bath helps the spasms.",
    "He said the drug trial is ending in March.",
    "I don't want to live in a house with stairs anymore.",
    "I have no energy to go on holiday this year.",
)


@pytest.mark.parametrize("text", IN_CRISIS)
def test_crisis_language_is_found(text: str) -> None:
    assert find_crisis_language(text), text


@pytest.mark.parametrize("text", EVERYDAY_MS_TALK)
def test_everyday_ms_talk_is_left_alone(text: str) -> None:
    assert find_crisis_language(text) == [], text


def test_the_rates_on_both_sets() -> None:
    caught = sum(bool(find_crisis_language(text)) for text in IN_CRISIS)
    false_alarms = sum(bool(find_crisis_language(text)) for text in EVERYDAY_MS_TALK)
    print(  # noqa: T201 (the figures for the issue's note, with -s)
        f"crisis: {caught}/{len(IN_CRISIS)} caught; "
        f"everyday: {false_alarms}/{len(EVERYDAY_MS_TALK)} false alarms"
    )
    assert len(IN_CRISIS) >= 40
    assert len(EVERYDAY_MS_TALK) >= 40
    assert (caught, false_alarms) == (len(IN_CRISIS), 0)
