"""`dispute_notes`: the short notes customers write when they dispute a payment (lesson 13).

One note per charged-back payment (`is_fraud`: the true frauds and the friendly frauds), one for
half of the missed frauds (a dispute the bank declined, so no chargeback: the label stayed
False), and notes of disputes about honest payments that were not charged back. Each note
states one of `REASONS`, written the way customers write, not from one template per reason:
one to three sentences, a core in one of three wordings, among class-neutral sentences any note
may carry (greetings, "I've been a customer for years.", "Please refund the €45.20.", "I
already contacted the merchant.", the amount and the merchant's kind):

- `clear`: the reason in its own words ("the parcel never arrived", "charged twice"), one of a
  dozen phrasings per reason, a few common and most rare;
- `paraphrase`: the reason in other words, no keyword ("tracking has said in transit for
  weeks"), from dozens per reason, two in five of them rare ones a small labelled sample misses;
- `misleading`: a rare paraphrase of the reason next to another reason's claim in that reason's
  own words, negated ("it's not that my card was stolen, ...") or given up ("I thought I was
  charged twice, but then I realised ..."); "this is not fraud" is the commonest.

On top: a context sentence with another reason's word in passing ("I asked for a refund."),
hedges ("Not sure, but"), typos ("recieved"), casual lowercase. A fraud victim says so plainly
more often than the other disputes do. `difficulty` in [0, 1] is what makes a note hard for a
bag of words: about 0 to 0.3 for a clear note (a typo in it or another reason's word nearby
adds), 0.3 to 0.7 for a paraphrase (a rare one from 0.5), 0.6 to 1 for a misleading one. Every
text is unique (the simulated LLM looks notes up by text).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab
from coursedata.draws import NS_PER_DAY, NS_PER_SECOND
from coursedata.frames import utc_column
from coursedata.world import World

TAG = 13_004
REASONS: tuple[str, ...] = vocab.DISPUTE_REASONS
EXTRA_PER_CHARGEBACK = 1.8  # disputes that were not charged back, per charged-back payment
MISSED_WITH_NOTE = 0.5  # share of missed frauds whose (declined) dispute left a note
GOLD_SHARE = 0.2
STYLE_P = {"clear": 0.4, "paraphrase": 0.3, "misleading": 0.3}
# A fraud victim says so plainly ("I did not make this payment"); the other disputes are told.
STYLE_P_UNAUTHORIZED = {"clear": 0.55, "paraphrase": 0.3, "misleading": 0.15}
P_HEDGE, P_TYPO, P_CASUAL = 0.12, 0.12, 0.12
P_OPENING, P_CONTEXT = 0.55, 0.6  # a class-neutral opening; a context sentence or closing
P_RARE = 0.4  # a paraphrase from the rare ones
P_CROSS = 0.4  # a paraphrase's context sentence carries another reason's word
ZIPF = 0.8  # the k-th phrase of a list is drawn with weight 1 / k ** ZIPF: a few common, most rare
CLAIM_WEIGHT = {"unauthorized": 3.0}  # "this is not fraud, ...": the commonest claim
HARD_FROM = 0.6  # difficulty at or above this is "hard"

# The reason a friendly fraudster gives, and the reasons of disputes that are not charged back.
FRIENDLY_REASON_P = {"unauthorized": 0.2, "not_received": 0.4, "not_as_described": 0.15,
                     "cancelled": 0.25}  # fmt: skip
DISPUTE_REASON_P = {"unauthorized": 0.12, "not_received": 0.25, "not_as_described": 0.23,
                    "duplicate": 0.2, "cancelled": 0.2}  # fmt: skip
# Which payments each reason's disputes are about: relative weight by merchant category.
CATEGORY_PREFERENCE = {
    "unauthorized": {"crypto": 3, "gambling": 3, "gift_cards": 3, "digital_goods": 2},
    "not_received": {"retail": 4, "electronics": 5, "gift_cards": 3, "jewelry": 4},
    "not_as_described": {"retail": 4, "electronics": 5, "jewelry": 4, "health": 2},
    "duplicate": {"restaurants": 3, "fuel": 3, "grocery": 1.5, "transport": 2},
    "cancelled": {"travel": 8, "entertainment": 4, "utilities": 5, "digital_goods": 3},
}
OTHER_CATEGORY_WEIGHT = 0.3

SHOPS = {
    "grocery": ("the supermarket", "the grocery store", "a corner shop"),
    "restaurants": ("the restaurant", "a cafe", "the pizza place"),
    "transport": ("the taxi company", "the train operator", "a ride-hailing app"),
    "fuel": ("the petrol station", "the fuel station"),
    "retail": ("the clothing shop", "an online shop", "the furniture store"),
    "utilities": ("my energy provider", "the phone company", "the internet provider"),
    "health": ("the pharmacy", "the optician"),
    "entertainment": ("the cinema", "the streaming service", "the ticket site"),
    "travel": ("the airline", "the hotel", "the travel agency"),
    "electronics": ("the electronics store", "an online tech shop"),
    "digital_goods": ("the app store", "a game website"),
    "gift_cards": ("the gift card site", "a voucher shop"),
    "jewelry": ("the jeweller", "a watch shop"),
    "crypto": ("the crypto exchange",),
    "gambling": ("the betting site", "an online casino"),
}
ITEMS = ("order", "parcel", "package", "item", "delivery", "purchase")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# What a customer says about each reason. `clear`: the reason's own words (the keywords a rule
# or a bag of words learns); `paraphrase`: the reason in other words, no keyword. Lists run from
# common to rare (drawn with Zipf weights), so a small labelled sample misses most paraphrases.
CLEAR: dict[str, tuple[str, ...]] = {
    "unauthorized": (
        "I did not make this payment",
        "this charge is unauthorized",
        "someone used my card without permission",
        "I don't recognise this transaction",
        "my card was stolen and someone spent {amt}",
        "this is fraud, I never shopped at {shop}",
        "an unauthorized payment",
        "a fraudulent charge from {shop}",
        "my card details were stolen",
        "I did not authorise this {amt} payment",
        "I don't recognize {shop} at all",
        "somebody made a purchase with my card without my permission",
        "I never used {shop} in my life and they charged {amt}",
        "this transaction was not made by me",
    ),
    "not_received": (
        "I never received my {item} from {shop}",
        "the {item} never arrived",
        "the {item} from {shop} was not delivered",
        "still not received after {n} weeks",
        "my {item} has not arrived",
        "I haven't received anything for my {amt}",
        "item not received",
        "the {item} was never delivered",
        "nothing was delivered, {amt} paid to {shop}",
        "non-delivery of my {item}",
        "{shop} never delivered what I paid for",
        "I have not received the goods",
    ),
    "not_as_described": (
        "the {item} arrived broken",
        "item not as described: what {shop} sent is a cheap copy",
        "I received a damaged product",
        "wrong item delivered by {shop}",
        "the product is fake and nothing like the photos",
        "a defective product from {shop}",
        "it arrived damaged",
        "the {item} from {shop} is broken",
        "counterfeit goods, not as described",
        "the item is not as described on the website",
        "what arrived is faulty",
        "they sent the wrong size and a damaged box",
    ),
    "duplicate": (
        "I was charged twice for the same purchase at {shop}",
        "a duplicate charge of {amt}",
        "a double charge: {amt} taken two times",
        "the same payment of {amt} appears twice on my statement",
        "{shop} billed me {amt} two times for one purchase",
        "I was charged two times",
        "a duplicated transaction at {shop}",
        "charged double for one meal",
        "{amt} debited twice",
        "the payment went through twice",
        "duplicate payment, same amount, same minute",
    ),
    "cancelled": (
        "I cancelled my subscription with {shop} but was still charged {amt}",
        "the order was cancelled and there is no refund of {amt} yet",
        "I returned the {item} to {shop} and they never refunded the {amt}",
        "the booking was cancelled weeks ago and {shop} still charged me",
        "a charge of {amt} after I cancelled my membership",
        "I cancelled the order within the hour",
        "I canceled the trial before it ended",
        "the refund for the {item} I returned has not been paid",
        "cancelled, but charged anyway",
        "{shop} cancelled my booking and kept the money",
        "I cancelled on {day} and the refund never happened",
    ),
}
PARAPHRASES: dict[str, tuple[str, ...]] = {
    "unauthorized": (
        "my card was in my wallet the whole time, yet {shop} took {amt}",
        "I have no idea who paid {amt} at {shop}, I was at home all day",
        "never heard of {shop}, how did they get my card number",
        "my phone went missing on {day} and this payment showed up after that",
        "somebody else must have my card number",
        "this is not something I bought",
        "nobody in my family has an account with {shop}",
        "I got a text asking for a code I never requested, then this appeared",
        "my account was hacked",
        "my bag was taken on the train and the spending started that evening",
        "I was asleep when this purchase happened",
        "the only card I own never left my drawer",
        "this was paid in a city I have never been to",
        "a stranger seems to be shopping on my account",
        "my email got compromised last week and now this",
        "I clicked a link in a message pretending to be my bank and money is gone",
        "I would never spend {amt} on something like that",
        "my son says he did not touch my card either",
        "there are small test payments before it that I did not do",
        "who is {shop}? I have nothing to do with them",
        "I only use this card for groceries, never online",
        "I was in hospital that day, it cannot have been me",
        "there is a payment to {shop} from a country I have not visited",
        "the card is with me but the numbers must have leaked somewhere",
        "my elderly mother has the second card and she does not even use the internet",
        "I noticed it at midnight, the shop was closed at that hour anyway",
        "this popped up right after I bought something on a dodgy website",
        "I have never owned a games console, so why would I pay {shop}",
        "the delivery address on this purchase is in another town",
        "a login from a new device was flagged the same evening",
        "I lost my wallet on {day}",
        "my husband and I both checked, neither of us paid {shop}",
        "the shop's name means nothing to me and the amount is odd",
        "there were {n} attempts at {shop} within a few minutes",
        "I had the card blocked after the bank called me, but this one slipped through",
        "someone changed the phone number on my account",
    ),
    "not_received": (
        "tracking has said 'in transit' for {n} weeks and {shop} kept my {amt}",
        "nothing has turned up at my door since I paid {shop}",
        "I'm still waiting for the {item} I paid {amt} for, {n} weeks now",
        "the courier claims it was left with a neighbour, but nobody here has it",
        "{shop} took {amt} and I have nothing to show for it",
        "the tracking number they gave me does not exist",
        "the seller stopped replying and there is no sign of the {item}",
        "it has been {n} weeks and the letterbox is empty",
        "the promised date came and went",
        "the shop says it shipped, the post office has no record of it",
        "I waited in all {day} for a courier who did not show up",
        "the package seems to be lost somewhere",
        "the voucher code was supposed to be emailed to me and never was",
        "the tickets were meant to come by email, my inbox has nothing",
        "the box has been stuck at customs for {n} weeks",
        "the website still says 'processing' after {n} weeks",
        "the driver marked it as handed over while I was standing at the door",
        "there is a photo of a doorstep that is not mine",
        "my neighbours, the concierge and the depot have nothing for me",
        "I am still empty-handed {n} weeks after paying",
        "the locker code they sent opens an empty locker",
        "the courier app shows the van went to the wrong town",
        "{shop} keeps saying 'next week' every week",
        "the flowers for my mother's birthday never turned up at her house",
        "my order number returns 'not found' on their site",
        "the parcel service says there is no parcel with that number",
        "the seller's shop vanished from the marketplace after I paid",
        "I have been checking the door for {n} weeks",
        "the download link in the receipt leads to an error page, so I have nothing",
        "the ticket was due a month before the event and I have no ticket",
        "the furniture was booked for {day} and no van came",
        "I have an empty box, the seal was already open",
        "the collection point says nothing is waiting under my name",
        "they say it was signed for, but the signature is not mine",
    ),
    "not_as_described": (
        "what came from {shop} is much smaller than the pictures showed",
        "the colour and size are completely different from the listing",
        "the thing smells of smoke and has scratches all over it",
        "{shop} sent a used one although I paid {amt} for a new one",
        "the screen cracked the first time I switched it on",
        "it stopped working after one day",
        "half the pieces are missing from the box",
        "the ring turned my finger green, that is not gold",
        "the ad said leather, this is thin plastic",
        "the strap fell off within a week and it does not keep time",
        "it is a cheap copy of the brand in the ad",
        "the size is for a child although I chose an adult size",
        "the charger does not fit and the battery swells",
        "the hotel room looked nothing like the photos",
        "the course was three short videos, not the forty lessons advertised",
        "it leaks as soon as you fill it",
        "the sofa is a different fabric and a different colour",
        "the laptop has a foreign keyboard and someone else's files on it",
        "the seats we paid extra for turned out to be standing room",
        "the manual is for another model and half the buttons do nothing",
        "the phone is a refurbished one sold as brand new",
        "it was supposed to be waterproof and it died in the rain",
        "the jacket has a hole in the sleeve and the zip is missing",
        "the photos showed a set of six, there were two",
        "the bracelet is painted metal, the listing said silver",
        "this is a lower model than the one I ordered",
        "the software licence does not activate",
        "the mattress is half the thickness they advertised",
        "the shoes are two different sizes",
        "the apartment had no hot water and no working kitchen, unlike the ad",
        "the stones fell out of the earrings the first day",
        "the TV has dead pixels all over the screen",
        "the vitamins are past their expiry date",
        "the game key is for another region and cannot be used",
    ),
    "duplicate": (
        "there are two identical lines of {amt} from {shop} on {day}, I only paid once",
        "the card machine at {shop} failed, I paid again, and both went through",
        "my statement shows {amt} and the very same amount a minute later",
        "one purchase, two payments of {amt}, please remove one",
        "the waiter ran my card again after the first attempt looked declined",
        "the pump took the money and then the cashier took it again",
        "my statement shows the same taxi ride {n} times",
        "the same order number appears on two payments",
        "the app froze, I pressed pay again and now it is on my statement again",
        "there is an extra identical {amt} on the same day",
        "the first attempt said failed but it was taken as well",
        "one dinner, and {shop} took the bill from my account once more an hour later",
        "the terminal printed an error, the retry worked, and the error one was taken too",
        "I filled up once on {day}, there are two fuel payments",
        "one ticket, paid for once, yet the money left my account again",
        "my banking app lists {amt} from {shop} and then {amt} again",
        "the hotel took the room charge at check-in and again at check-out",
        "the split bill was charged in full on my card as well",
        "I tapped my card once and the bank shows it taken for a second time",
        "the online checkout timed out, I retried, and I paid for the same basket again",
        "there is one order in my account with {shop} but two payments",
        "the parking meter took the fee and the app took it too",
        "the same amount to the same shop, {n} seconds apart",
        "my partner and I were both billed for the one taxi",
        "the restaurant charged the tip on top and then the whole bill again",
        "yesterday's shopping shows up on today's statement as well",
        "I paid at the counter and the self-checkout also took the money",
        "{shop} admits it was processed again by mistake but has not fixed it",
        "the monthly fee came out on the 1st and again on the 2nd",
        "I have one receipt and two payments",
    ),
    "cancelled": (
        "I ended my contract with {shop} on {day} and they keep taking {amt}",
        "the trip was called off by {shop} and my {amt} never came back",
        "I sent the {item} back on {day} with tracking and I am still waiting for my money",
        "I told {shop} I no longer wanted it before it shipped, yet {amt} was taken",
        "the flight was scrapped and the airline still has my money",
        "they promised the money back within five days, that was {n} weeks ago",
        "I stopped the plan in the app and got a confirmation email",
        "the concert was postponed and I asked for my money back",
        "I closed my account with {shop} last month and they still bill me",
        "the free trial turned into a paid plan although I had switched it off",
        "the hotel agreed I could change my mind and then kept the deposit",
        "I unsubscribed on {day}",
        "they took the parcel back at the depot and still have not paid me",
        "I withdrew within the fourteen days the law allows",
        "my gym membership ended in {day}'s letter, the direct debit did not",
        "the event did not take place and {shop} says to wait",
        "I switched energy provider, the old one still takes the monthly amount",
        "I pulled out of the booking the same day and have the confirmation",
        "I changed my mind the same day and emailed {shop}, they agreed",
        "they confirmed the return on {day} and still no money",
        "the course was withdrawn by the school and my fee was kept",
        "the gym closed for good and the monthly payments continue",
        "I ended the rental early as the contract allows",
        "my insurance policy was stopped in writing and they charged the next month",
        "the table was released with {n} days' notice, the deposit kept",
        "the holiday was called off because of the strike, and the money is still with them",
        "I took the phone back to the store in the original box",
        "the streaming service was stopped {n} months ago and still bills me",
        "the seller accepted my return request and then went silent",
        "I switched off auto-renew, they renewed anyway",
        "my booking was moved to a date I cannot make, so I asked to get the money back",
    ),
}
# Rare paraphrases, each used a few times at most: what a bag of words has not seen.
RARE: dict[str, tuple[str, ...]] = {
    "unauthorized": (
        "the last four digits are mine but the purchase is a mystery",
        "my daughter's old tablet was still logged in to my account, and it was wiped clean weeks ago",
        "a man phoned pretending to be from your security team, and I read him a code",
        "I had dinner with friends at the time it was paid, miles from there",
        "it was made in another currency in the middle of the night",
        "they bought perfume in Singapore while I was at work in Lyon",
        "the fitness app I gave my card to got hacked in the spring, it was on the news",
        "a cloned card at the petrol station, I suspect",
        "I only found out because my balance looked low",
        "every app on my phone was logged out on {day}, then this",
        "I never gave anyone my PIN but the card was copied at a cash machine",
        "my card number is on some leaked list, I fear",
        "the online account shows an address in a town I've never heard of",
        "a teenager down the road was caught with card numbers, mine might be one",
        "I had no internet on that holiday, so I couldn't have paid online",
        "my banking password was reset without my doing",
        "the name on the receipt {shop} sent is not mine",
        "my partner and I share nothing, and he is not on this card",
        "I was on a plane at the time of the purchase",
        "I have no memory of this, and I keep every receipt",
        "two-step codes arrived by text that I never asked for",
        "the merchant is a website selling phone credit in a country I don't know",
        "the payment is for a subscription in a language I don't speak",
        "I let a friend borrow the card once for petrol, that's all",
        "my card was in the post when this was spent",
        "the spending stopped when I froze the card in the app",
        "somebody opened an account at {shop} with my email address",
        "this is the third odd payment this week, all at night",
        "no one in our house plays online poker",
        "the phone number on their order is not one I know",
    ),
    "not_received": (
        "the neighbour's camera shows no one came on the day it says",
        "my letterbox has had only bills in it for {n} weeks",
        "the postman knows nothing about it",
        "the shop has gone quiet and the parcel is nowhere",
        "I took a day off work to wait and the doorbell never rang",
        "the bouquet for the funeral did not get there",
        "the warehouse says the {item} is 'awaiting stock' since I paid",
        "I paid for express shipping and {n} weeks later I am still empty-handed",
        "the sofa was supposed to come in spring, it is now summer",
        "the pick-up shop has closed down and nobody can tell me where my box went",
        "the email with my concert tickets is not in my inbox or spam",
        "I was told it went to an old address I left years ago",
        "the label was printed, but the parcel was never handed to the carrier",
        "all I got was a shipping notice and then silence",
        "my online account with them shows the order as 'pending' forever",
        "the gift for my nephew's birthday did not reach him",
        "the e-book download never started and there is no link",
        "the trainers I ordered are not at the locker, the locker is empty",
        "the van came to the wrong street and drove off",
        "the seller sent a photo of a parcel, the tracking code is fake",
        "I have a receipt and no {item}",
        "{shop} blames the courier, the courier blames {shop}, and I have nothing",
        "the hamper was meant for Christmas and never got to my parents",
        "I was home on {day} and there is no card through the door",
        "they say it was 'delivered to a safe place', there is no safe place here",
        "my grandmother's present was paid for and she got nothing",
        "every time I call, it is 'on its way'",
        "the car part I need for my job did not turn up",
        "the stamp collection was lost in the post, they say",
        "not one of the {n} boxes I paid for has come",
    ),
    "not_as_described": (
        "it is missing the charger that was listed in the box contents",
        "the painting is a cheap print, not an original",
        "the dress is see-through, the photos hid that",
        "the coffee machine leaks from the bottom",
        "the bike came with a bent wheel",
        "the headphones only work on one side",
        "the curtains are half the length stated",
        "the table wobbles and one leg is shorter",
        "the tent has no poles inside",
        "the perfume smells of nothing, it is coloured water",
        "the puppy food bag was open and full of moths",
        "the rug is synthetic, they said wool",
        "it is the previous year's model with an old battery",
        "the room had bed bugs, not the clean suite in the ad",
        "the tyres are worn, sold as new",
        "the chair cannot hold my weight, the limit was said to be 150 kg",
        "the camera has a scratch right across the lens",
        "the books are photocopies",
        "the cable is too short for any use",
        "the watch is not the model on the box",
        "the speaker crackles at any volume",
        "the cake was mouldy when we opened it",
        "the glasses frames snapped the first week",
        "the pram has a cracked frame",
        "the software is a trial version, the page said lifetime",
        "the earrings are plastic, not pearl",
        "the boots let the water in on the first walk",
        "the hoodie shrank to a child's size after one wash",
        "the tickets were behind a pillar with no view of the stage",
        "the taxi was a shared minibus, not the private car I booked",
    ),
    "duplicate": (
        "the pizza place swiped my card for the second time after I'd already signed",
        "my online banking lists the hotel deposit and the full stay on top of it",
        "the ticket machine ate my money and then asked for it again",
        "my bill from {shop} counts the starter once and the payment for all of it again",
        "the subscription is being collected from two of my cards now",
        "the bakery charged me for yesterday's bread again today",
        "the toll was paid by tag and by card",
        "both my card and my partner's card paid the same order",
        "I see {amt} leaving my account once in the morning, once at noon",
        "the taxi driver said the first payment failed but it did not",
        "it shows as pending and as paid, both taken from my balance",
        "the shop processed the refund as another charge",
        "the gym took this month's fee again on the same day",
        "I got two receipts for one coffee",
        "my account was debited on the order and on delivery",
        "the ferry crossing was paid on the website and again at the port",
        "the parking app took the fee, then the barrier asked for it again",
        "the app shows a single order but the bank shows more than one",
        "the petrol station kept a hold and also took the real amount",
        "the train fare was taken when I tapped in and when I tapped out again",
        "I bought one pair of shoes, my balance dropped by the price of two",
        "the cashier scanned my card again thinking it had failed",
        "the same bill came off my account on {day} and the day after",
        "the money for one order left my account again",
        "the electricity company collected the quarter's bill a second time",
        "I counted the payments: {n}, for one ride",
        "the supermarket payment doubled on my banking app",
        "it is one order number on both payments",
        "they confirmed one booking and took the money more than once",
        "the shop's system glitched and took the same amount again",
    ),
    "cancelled": (
        "I handed the rental car back early and they billed the whole week",
        "they accepted my notice in writing, the letter is attached",
        "I changed my mind within the cooling-off period",
        "the wedding venue released the date and kept the deposit",
        "I stopped my magazine and they still send the invoice",
        "the airline moved my flight by a day, I declined, they kept the fare",
        "the builder never started and agreed to give the money back",
        "the school trip was scrapped and parents were told the money would come back",
        "the plan ended when my contract ran out, yet it renewed",
        "I sent back the wrong size as they asked and I'm still out of pocket",
        "the hairdresser rescheduled twice and I gave up, they kept the booking fee",
        "they have my old phone back, the payment plan continues",
        "I ended the streaming plan, but it was taken again",
        "the course start was pushed back a year, so I withdrew",
        "I pressed 'end membership' and have the screenshot",
        "the club shut down and the fees keep coming",
        "the customer service agent said the money would be back in days, it's been weeks",
        "the holiday company went bust after I paid",
        "I told them on the phone I did not want the upgrade and they charged it",
        "the storage unit is empty and handed back, they keep billing",
        "my return label shows it arrived at their depot on {day}",
        "the seller agreed to take it back and has not paid me back",
        "the insurance was stopped when I sold the car",
        "they took the monthly fee after the contract's end date",
        "the dentist appointment was called off by the clinic, yet the fee stayed",
        "the language app renewed though I had stopped the auto-pay",
        "the booking was for a date the venue later closed",
        "the van hire was called off by them because of snow",
        "the deposit for the flat was to come back when I withdrew",
        "the tickets went back to the box office for resale, I was promised the money",
    ),
}
# Another reason's claim, in that reason's own words (the very n-grams a bag of words learns).
CLAIMS: dict[str, tuple[str, ...]] = {
    "unauthorized": ("this is fraud", "my card was stolen", "this charge is unauthorized",
                     "someone used my card without permission", "I don't recognise this transaction",
                     "I did not make this payment"),
    "not_received": ("the {item} never arrived", "I never received my {item} from {shop}",
                     "the {item} from {shop} was not delivered", "my {item} has not arrived",
                     "the {item} was never delivered"),
    "not_as_described": ("the {item} arrived broken", "I received a damaged product",
                         "what {shop} sent is a cheap copy", "the product is fake",
                         "it arrived damaged", "the item is not as described"),
    "duplicate": ("I was charged twice for the same purchase at {shop}", "it was a duplicate charge",
                  "the same payment of {amt} appears twice on my statement",
                  "I was charged two times", "it was a double charge"),
    "cancelled": ("I cancelled my subscription with {shop}", "the order was cancelled",
                  "I returned the {item} to {shop}", "the booking was cancelled",
                  "I cancelled my membership"),
}  # fmt: skip
# A misleading note: the true reason (its own words or a paraphrase) and another reason's claim,
# negated ("this is not fraud") or given up ("I thought ..., but").
NEGATED = (
    "it's not that {claim}, {truth}",
    "I'm not saying {claim}; {truth}",
    "nobody says {claim}: {truth}",
    "{truth}, and no, it is not that {claim}",
    "I am not writing because {claim}, the problem is that {truth}",
    "{truth}. It is not the case that {claim}",
)
NARRATIVES = (
    "I thought {claim}, but then I realised {truth}",
    "at first it looked like {claim}; actually {truth}",
    "my first guess was that {claim}, it turns out {truth}",
    "the bank's chat bot said {claim}, but really {truth}",
    "{truth}. I first thought {claim}",
    "I was about to report that {claim}, then I saw {truth}",
)
# Class-neutral sentences any note may carry, and some that carry a reason's word in passing.
OPENINGS = (
    "Hello.", "Hi,", "Good morning.", "Dear support,", "I've been a customer for years.",
    "I have been with this bank for {n} years.", "Please help me with this.",
    "Writing about a payment on my card.", "About the {amt} payment to {shop}:",
    "Second time I write about this.", "I already contacted the merchant.",
    "This is about {shop}.", "Hi there,", "Sorry to bother you.",
)  # fmt: skip
CONTEXT = (
    "The payment was {amt} at {shop}.", "It was {amt}.", "Amount: {amt}.",
    "This was at {shop} on {day}.", "I already contacted the merchant and got nowhere.",
    "{Shop} is not answering emails.", "Please refund the {amt}.", "I want my money back.",
    "Please reverse this charge.", "I would like a chargeback.", "Card ending {last4}.",
    "Ref {ref}.", "Thanks.", "Please look into it.", "I have the receipt if you need it.",
    "It's a lot of money for me.", "Can you check?", "I have contacted them {n} times.",
    "Please help.",
    "I paid with my debit card.",
    "I use this card for everything.",
    "I checked my account on my phone this morning.",
    "My card is a contactless one.",
    "I saw it in the app last night.",
    "It's on my credit card statement.",
)  # fmt: skip
# Context that carries another reason's word in passing (never the note's point).
CROSS = {
    "unauthorized": ("I blocked my card just in case.", "I'm worried about fraud.",
                     "My card was stolen last year, so I check every line.", "Is this fraud?"),
    "not_received": ("The confirmation email never arrived either.",
                     "My last order from them was delivered fine.",
                     "Last time my parcel never arrived and they sorted it quickly."),
    "not_as_described": ("Their website is broken, so I can't log in.",
                         "Last year they sent me a damaged item and replaced it.",
                         "Their customer service is defective."),
    "duplicate": ("I called {shop} twice about it.", "I've written two times already.",
                  "Another shop charged me twice last month, that one was fixed."),
    "cancelled": ("I asked for a refund.", "I want to cancel this charge.",
                  "I cancelled my other subscription with them without trouble."),
}  # fmt: skip
HEDGES = ("I think ", "Not sure, but ", "Maybe I'm wrong, but ", "Possibly a mistake: ")
TYPOS = {
    "received": "recieved", "arrived": "arived", "delivered": "deliverd",
    "unauthorized": "unathorized", "recognise": "recognize", "stolen": "stollen",
    "twice": "twise", "duplicate": "dublicate", "double": "duble", "two times": "2 times",
    "cancelled": "canceled", "refunded": "refundd", "broken": "brokn", "damaged": "damagd",
    "fake": "fak", "defective": "defectiv", "fraud": "frod", "permission": "permision",
    "payment": "paymnet", "statement": "statment", "weeks": "wekes", "refund": "refnd",
}  # fmt: skip
SYMBOL = {"EUR": "€{:.2f}", "GBP": "£{:.2f}", "CHF": "CHF {:.2f}", "USD": "${:.2f}"}


def dispute_notes(world: World, seed: int = 0) -> pd.DataFrame:
    """The customers' dispute notes of `world`: `note_id` (int64, 1..n in random order),
    `transaction_id`, `created_at` (UTC, after the payment and before its chargeback), `text`
    (1 to 3 sentences, unique) and `gold_reason` (one of `REASONS` for a random 20 % of the
    notes, missing elsewhere), sorted by `created_at`, ties by `note_id`.

    Records in `world.truth.extras["dispute_notes"]` every note's `note_id`, `transaction_id`,
    `text`, `reason`, `wording`, `difficulty` in [0, 1], `hard`, `source` (`fraud`,
    `friendly_fraud`, `missed_fraud` or `dispute`), `is_fraud` (the label) and `true_fraud`.
    The world's frames are not modified; the same world and seed give the same notes. Raises
    `ValueError` for a world without charged-back payments."""
    tx = world.transactions
    truth = world.truth
    ids = tx["transaction_id"].to_numpy()
    is_fraud = tx["is_fraud"].to_numpy()
    true_fraud = np.isin(ids, truth.true_fraud_ids)
    if not is_fraud.any():
        raise ValueError("the world has no charged-back payment to dispute")
    rng = np.random.default_rng([seed, TAG])
    friendly = np.isin(ids, truth.friendly_fraud_ids)
    missed = np.flatnonzero(np.isin(ids, truth.missed_fraud_ids))
    category = tx["merchant_category"].to_numpy(dtype=object)

    rows, reasons, sources = [], [], []
    fraud_rows = np.flatnonzero(is_fraud & true_fraud)
    rows += fraud_rows.tolist()
    reasons += ["unauthorized"] * fraud_rows.size
    sources += ["fraud"] * fraud_rows.size
    friendly_rows = np.flatnonzero(friendly)
    rows += friendly_rows.tolist()
    reasons += _draw(rng, FRIENDLY_REASON_P, friendly_rows.size)
    sources += ["friendly_fraud"] * friendly_rows.size
    missed_rows = np.sort(rng.choice(missed, round(MISSED_WITH_NOTE * missed.size), replace=False))
    rows += missed_rows.tolist()
    reasons += ["unauthorized"] * missed_rows.size
    sources += ["missed_fraud"] * missed_rows.size

    # Disputes about honest payments that were not charged back, by reason.
    n_extra = round(EXTRA_PER_CHARGEBACK * is_fraud.sum())
    free = ~(is_fraud | true_fraud)
    extra_reasons = _draw(rng, DISPUTE_REASON_P, n_extra)
    for reason in REASONS:
        k = extra_reasons.count(reason)
        pool = np.flatnonzero(free)
        pref = CATEGORY_PREFERENCE[reason]
        w = np.array([pref.get(c, OTHER_CATEGORY_WEIGHT) for c in category[pool]], dtype=float)
        chosen = rng.choice(pool, size=min(k, pool.size), replace=False, p=w / w.sum())
        free[chosen] = False
        rows += chosen.tolist()
        reasons += [reason] * chosen.size
        sources += ["dispute"] * chosen.size

    rows_a = np.asarray(rows, dtype=np.int64)
    n = rows_a.size
    amounts = tx["amount"].to_numpy()[rows_a]
    currency = tx["currency"].to_numpy(dtype=object)[rows_a]
    texts, styles, difficulty = [], [], []
    seen: set[str] = set()
    for i in range(n):
        for _ in range(50):
            text, style, diff = _note(rng, reasons[i], category[rows_a[i]], amounts[i], currency[i])
            if text not in seen:
                break
        else:  # pragma: no cover - 50 collisions in a row do not happen at these sizes
            raise RuntimeError("could not write a unique note")
        seen.add(text)
        texts.append(text)
        styles.append(style)
        difficulty.append(diff)
    assert len(set(texts)) == n, "dispute note texts must be unique"

    # When: after the payment; a charged-back payment's dispute comes before its chargeback.
    ts = pd.DatetimeIndex(tx["timestamp"]).as_unit("ns").asi8[rows_a]
    cb = pd.DatetimeIndex(tx["chargeback_at"]).as_unit("ns").asi8[rows_a]
    has_cb = is_fraud[rows_a]
    later = ts + ((1 + rng.gamma(2.0, 5.0, n)) * NS_PER_DAY).astype(np.int64)
    before_cb = ts + (rng.uniform(0.2, 0.8, n) * (np.where(has_cb, cb, ts) - ts)).astype(np.int64)
    created = np.where(has_cb, before_cb, later)
    created -= created % NS_PER_SECOND

    note_id = rng.permutation(n).astype(np.int64) + 1
    gold = np.zeros(n, dtype=bool)
    gold[rng.choice(n, round(GOLD_SHARE * n), replace=False)] = True
    reason_cat = pd.Categorical(reasons, categories=REASONS)
    order = np.lexsort((note_id, created))
    frame = pd.DataFrame(
        {
            "note_id": note_id[order],
            "transaction_id": ids[rows_a][order],
            "created_at": utc_column(created[order]),
            "text": pd.array(np.array(texts, dtype=object)[order], dtype=object),
            "gold_reason": pd.Categorical(
                np.where(gold, np.asarray(reasons, dtype=object), None)[order], categories=REASONS
            ),
        }
    )
    diff = np.round(np.asarray(difficulty), 3)
    record = pd.DataFrame(
        {
            "note_id": note_id,
            "transaction_id": ids[rows_a],
            "text": np.array(texts, dtype=object),
            "reason": reason_cat,
            "wording": pd.Categorical(styles, categories=tuple(STYLE_P)),
            "difficulty": diff,
            "hard": diff >= HARD_FROM,
            "source": pd.Categorical(
                sources, categories=("fraud", "friendly_fraud", "missed_fraud", "dispute")
            ),
            "is_fraud": is_fraud[rows_a],
            "true_fraud": true_fraud[rows_a],
            "gold": gold,
        }
    )
    truth.extras["dispute_notes"] = record.sort_values("note_id", ignore_index=True)
    return frame


def _draw(rng: np.random.Generator, probs: dict[str, float], size: int) -> list[str]:
    names = list(probs)
    p = np.array([probs[k] for k in names])
    return [names[i] for i in rng.choice(len(names), size=size, p=p / p.sum())]


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _zipf(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    """One of `options`, the k-th with weight 1 / k ** ZIPF: the first few common, most rare."""
    weights = 1.0 / np.arange(1, len(options) + 1) ** ZIPF
    return options[int(rng.choice(len(options), p=weights / weights.sum()))]


def _end(part: str) -> str:
    """`part` with a full stop unless it has its own end ("." "!" "?", or "," ":" to run on)."""
    return part if part[-1] in ".!?:," else part + "."


def _sentence(part: str) -> str:
    """`part` as a sentence: a capital first letter, and an end."""
    return _end(part[0].upper() + part[1:])


def _join(parts: list[str]) -> str:
    """The parts as sentences; after an opening that ends in "," or ":" the text runs on."""
    text = _sentence(parts[0])
    for part in parts[1:]:
        text += " " + (_end(part) if text[-1] in ",:" else _sentence(part))
    return _end(text.rstrip(",:"))


def _note(
    rng: np.random.Generator, reason: str, category: str, amount: float, currency: str
) -> tuple[str, str, float]:
    """One note: (text, style, difficulty). Difficulty is what makes a note hard for a bag of
    words: no keyword (a paraphrase), another reason's words (negated, or a first guess given
    up), a typo in the keyword; a hedge adds a little."""
    probs = STYLE_P_UNAUTHORIZED if reason == "unauthorized" else STYLE_P
    style = list(probs)[int(rng.choice(3, p=list(probs.values())))]
    shop = _pick(rng, SHOPS[category])
    fill = {
        "amt": _amount(rng, amount, currency),
        "shop": shop,
        "Shop": shop[0].upper() + shop[1:],
        "item": _pick(rng, ITEMS),
        "n": int(rng.integers(2, 7)),
        "day": _pick(rng, DAYS),
        "last4": f"{int(rng.integers(0, 10_000)):04d}",
        "ref": f"{int(rng.integers(100_000, 1_000_000))}",
    }
    others = [r for r in REASONS if r != reason]  # another reason, fraud the likeliest
    weights = np.array([CLAIM_WEIGHT.get(r, 1.0) for r in others])
    other = others[int(rng.choice(len(others), p=weights / weights.sum()))]
    cross = None  # a context sentence with another reason's word
    if style == "clear":
        core = _zipf(rng, CLEAR[reason])
        difficulty = rng.uniform(0.0, 0.15)
        if rng.random() < 0.1:
            cross, difficulty = _pick(rng, CROSS[other]), difficulty + 0.15
    elif style == "paraphrase":
        if rng.random() < P_RARE:
            core, difficulty = _pick(rng, RARE[reason]), rng.uniform(0.5, 0.65)
        else:
            core, difficulty = _zipf(rng, PARAPHRASES[reason]), rng.uniform(0.3, 0.45)
        if rng.random() < P_CROSS:
            cross, difficulty = _pick(rng, CROSS[other]), difficulty + 0.05
    else:
        if rng.random() < 0.2:
            truth, difficulty = _zipf(rng, CLEAR[reason]), rng.uniform(0.6, 0.7)
        else:  # a rare paraphrase
            truth, difficulty = _pick(rng, RARE[reason]), rng.uniform(0.7, 0.9)
        template = _pick(rng, NEGATED if rng.random() < 0.5 else NARRATIVES)
        claim = _zipf(rng, CLAIMS[other])
        core = template.format(claim=claim, truth=truth)
    if rng.random() < P_TYPO:
        for right, wrong in TYPOS.items():
            if right in core:
                core = core.replace(right, wrong, 1)
                difficulty += 0.15 if style == "clear" else 0.05
                break
    if rng.random() < P_HEDGE:
        keep = core.startswith(("I ", "I'"))
        core = _pick(rng, HEDGES) + (core if keep else core[0].lower() + core[1:])
        difficulty += 0.05
    parts = [core]
    if rng.random() < P_OPENING:
        parts.insert(0, _pick(rng, OPENINGS))
    extra = cross or (_pick(rng, CONTEXT) if rng.random() < P_CONTEXT else None)
    if extra is not None:
        parts.append(extra)
    text = _join(parts)
    while (
        len(re.findall(r"[.!?]\s", text)) > 2 and len(parts) > 1
    ):  # at most 3 sentences: drop an extra
        parts.pop(0 if parts[0] is not core else -1)
        text = _join(parts)
    text = text.format(**fill)
    if rng.random() < P_CASUAL:
        text = text.lower().rstrip(".")
    return text, style, float(min(1.0, difficulty))


def _amount(rng: np.random.Generator, amount: float, currency: str) -> str:
    """The payment's amount as a customer writes it: "€12.50", "12.50 EUR" or "12.5 euros"."""
    form = rng.integers(3)
    if form == 0:
        return SYMBOL[currency].format(amount)
    if form == 1:
        return f"{amount:.2f} {currency}"
    return f"{amount:,.2f}".replace(",", "") + " " + currency.lower()
