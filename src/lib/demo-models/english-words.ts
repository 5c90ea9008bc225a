/**
 * Whole-word vocabulary for the demo tokenizer: common English words, so that
 * ordinary sentences tokenize mostly to single tokens instead of letters.
 * Order matters (it fixes token ids), so append rather than reorder.
 */
const WORDS = `
the be to of and a in that have i it for not on with he as you do at this but his by from they we say
her she or an will my one all would there their what so up out if about who get which go me when make
can like time no just him know take people into year your good some could them see other than then now
look only come its over think also back after use two how our work first well way even new want because
any these give day most us is are was were been has had did does said made went got going am being
hello world test testing example sentence text word words question answer model data computer network
volunteer compute computing job task result results server client browser machine learning embedding
vector search similar similarity meaning language english small large big little long short high low
old young great right left same different next last early late important public private able bad best
better few free full hard human local major national own possible real social sure true whole
life man woman child children men women person family friend group country state city home house room
school student teacher book story name place part point case week month night morning evening hand eye
head face water food money car road door line number system program problem fact area company government
music movie game song art picture color colour red blue green black white yellow brown quick lazy fox
dog cat bird fish horse cow tree flower sun moon star sky rain snow wind weather cold hot warm cool
happy sad love hate help play run walk talk read write speak listen learn teach open close start stop
begin end find keep let put seem feel try leave call ask need become show hear turn move live believe
bring happen stand lose pay meet include continue set change lead understand watch follow create
build grow offer remember consider appear buy wait serve die send expect stay fall cut reach kill
remain suggest raise pass sell require report decide pull eat drink sleep sit jump swim fly drive
very really always never often sometimes here where why again still too much many more less each every
both either neither between under above through during before while until since without within
against among around across along behind below beside beyond near off toward upon yes hi thanks thank
please sorry today tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december zero three four
five six seven eight nine ten hundred thousand million billion second third once twice half
science history math physics chemistry biology health medicine doctor hospital law court police war
peace power energy light sound fire earth air ocean sea river mountain island forest field garden
table chair bed window wall floor kitchen office shop store market street town village paper letter
phone email message news information idea reason example question problem solution way method result
process service product price cost value level order form type kind sort piece set list page file
image video photo web website internet online software hardware code app user account password
research study paper report analysis review evidence theory experiment design plan project team
business market industry economy bank job worker customer manager leader member president king queen
small quickly slowly easily simply clearly probably actually finally already almost enough together
however therefore although though whether should must might shall cannot don doesn didn isn wasn aren won
`;

export const ENGLISH_WORDS: readonly string[] = Array.from(new Set(WORDS.trim().split(/\s+/)));
